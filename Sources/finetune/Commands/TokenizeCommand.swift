import Finetune
import Foundation

/// `finetune tokenize`: one JSON array of ids per text, exactly as the model sees them.
enum TokenizeCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let maxLength = try arguments.int("max-length", in: 2...1_000_000)
        let folder = try Inputs.modelFolder(arguments)
        let texts = try Inputs.texts(arguments)
        let tokenizer = try TokenizerLoader.load(folder: folder, maxLength: maxLength)
        let lines = tokenizer.encodeBatch(texts).map { ids in "[" + ids.map(String.init).joined(separator: ",") + "]" }
        FileHandle.standardOutput.write(Data(lines.map { $0 + "\n" }.joined().utf8))
    }
}
