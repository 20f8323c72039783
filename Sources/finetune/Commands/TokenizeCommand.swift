import Finetune
import Foundation

/// `finetune tokenize`: one JSON array of ids per text, exactly as the model sees them.
enum TokenizeCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let maxLength = try arguments.int("max-length", in: 2...1_000_000)
        let repeats = try arguments.int("repeats", in: 1...1000)!
        let folder = try Inputs.modelFolder(arguments, tokenizerOnly: true)

        // A file: read, load and encode through the timed path, so --timing measures exactly this.
        if let input = arguments.values["input"], arguments.positionals.isEmpty {
            guard FileManager.default.fileExists(atPath: input) else { throw UsageError("Input file '\(input)' not found.") }
            let result = try tokenizeFileForBenchmark(model: folder, input: URL(fileURLWithPath: input),
                                                      maxLength: maxLength, repeats: repeats)
            FileHandle.standardOutput.write(Data(TokenizerOutput.jsonLines(result.ids).utf8))
            if arguments.flag("timing") { Console.log(result.timingJSON) }
            return
        }

        let texts = try Inputs.texts(arguments)
        let tokenizer = try TokenizerLoader.load(folder: folder, maxLength: maxLength)
        FileHandle.standardOutput.write(Data(TokenizerOutput.jsonLines(tokenizer.encodeBatch(texts)).utf8))
    }
}
