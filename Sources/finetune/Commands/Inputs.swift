import Finetune
import Foundation

/// Turns `--model`, `--data` and `--input` arguments into folders, files and texts.
enum Inputs {
    /// The model folder for a local path or a Hub id; an existing local path wins.
    /// `tokenizerOnly` accepts a folder with tokenizer files but no config.json.
    static func modelFolder(_ arguments: ParsedArguments, tokenizerOnly: Bool = false) throws -> URL {
        let argument = try arguments.required("model")
        let local = URL(fileURLWithPath: argument)
        if FileManager.default.fileExists(atPath: local.path) {
            guard tokenizerOnly || FileManager.default.fileExists(atPath: local.appendingPathComponent("config.json").path) else {
                throw UsageError("'\(argument)' has no config.json, so it is not a Hugging Face model folder. Pass a folder with config.json, model.safetensors and tokenizer files.")
            }
            return local
        }
        return try HubCommandSupport.resolveModel(argument, arguments: arguments)
    }

    /// The split files for a local path or a Hub data set id, with the label names and label
    /// column a Hub card gives.
    static func dataFiles(_ arguments: ParsedArguments, required: Split) throws -> HubData {
        let argument = try arguments.required("data")
        if FileManager.default.fileExists(atPath: argument) {
            return HubData(files: try DataFiles.locate(URL(fileURLWithPath: argument), required: required),
                           labelNames: nil, labelColumn: nil)
        }
        return try HubCommandSupport.resolveDataset(argument, arguments: arguments, required: required)
    }

    /// Column choices from the command line; a Hub card's label column applies when none is given.
    static func readerOptions(_ arguments: ParsedArguments, cardLabelColumn: String? = nil) -> DatasetReader.Options {
        DatasetReader.Options(textColumn: arguments.values["text-column"].map(ColumnSelector.init(argument:)),
                              labelColumn: arguments.values["label-column"].map(ColumnSelector.init(argument:))
                                  ?? cardLabelColumn.map(ColumnSelector.name))
    }

    /// `id2label` from a model's config.json, or nil when it has none.
    ///
    /// With `ignoringDefaults`, names that are all transformers' placeholders (`LABEL_0`, `LABEL_1`, …)
    /// count as none, because base checkpoints carry them without a trained head.
    static func modelLabels(_ folder: URL, ignoringDefaults: Bool) throws -> [Int: String]? {
        let url = folder.appendingPathComponent("config.json")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let config = object as? [String: Any], let raw = config["id2label"] as? [String: Any], !raw.isEmpty else { return nil }
        var labels: [Int: String] = [:]
        for (key, value) in raw {
            guard let id = Int(key), let name = value as? String else {
                throw UsageError("\(url.path): id2label entry \"\(key)\": \(value) is not an integer id with a string name. Fix config.json.")
            }
            labels[id] = name
        }
        if ignoringDefaults, labels.allSatisfy({ $0.value == "LABEL_\($0.key)" }) { return nil }
        return labels
    }

    /// Texts from positional arguments, `--input` (.txt lines or .jsonl objects), or standard input lines.
    static func texts(_ arguments: ParsedArguments) throws -> [String] {
        if !arguments.positionals.isEmpty {
            guard arguments.values["input"] == nil else {
                throw UsageError("Give texts either as arguments or with --input, not both.")
            }
            return arguments.positionals
        }
        if let input = arguments.values["input"] {
            let url = URL(fileURLWithPath: input)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw UsageError("Input file '\(input)' not found.")
            }
            return try TokenizerOutput.readTexts(url)
        }
        var lines: [String] = []
        while let line = readLine(strippingNewline: true) {
            lines.append(line.hasSuffix("\r") ? String(line.dropLast()) : line)
        }
        return lines
    }
}
