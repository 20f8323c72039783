import Finetune
import Foundation

/// `finetune predict`: label, per-label probabilities and logits for each text.
enum PredictCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let precision = try arguments.choice("precision", as: Precision.self) ?? .fp32
        let batchSize = try arguments.int("batch-size", in: 1...65_536)!
        let maxLength = try arguments.int("max-length", in: 2...1_000_000)
        let folder = try Inputs.modelFolder(arguments)
        guard let labels = try Inputs.modelLabels(folder, ignoringDefaults: false) else {
            throw UsageError("\(folder.path)/config.json has no id2label, so it has no trained classification head. Train it first with 'finetune train'.")
        }
        let names = (0..<labels.count).map { labels[$0] ?? "LABEL_\($0)" }
        // Blank lines from a file or standard input are separators, not texts to classify.
        var texts = try Inputs.texts(arguments)
        if arguments.positionals.isEmpty {
            let count = texts.count
            texts.removeAll { $0.allSatisfy(\.isWhitespace) }
            if texts.count < count { Console.log("Skipped \(count - texts.count) blank line\(count - texts.count == 1 ? "" : "s").") }
        }
        guard !texts.isEmpty else { throw UsageError("No texts to classify. Pass texts as arguments, --input FILE, or lines on standard input.") }

        let tokenizer = try TokenizerLoader.load(folder: folder, maxLength: maxLength)
        let model = try SequenceClassifier.load(folder: folder, labelNames: names, seed: 0, log: Console.log)
        model.precision = precision
        let encoded = tokenizer.encodeBatch(texts).map { EncodedExample(ids: $0, label: nil) }
        let batcher = Batcher(examples: encoded, options: Batcher.Options(batchSize: batchSize, padID: tokenizer.padTokenId, shuffle: false))

        var rows: [(label: String, probability: Float, scores: [Float], logits: [Float])] = []
        for batch in batcher.batches(epoch: 1) {
            let (logits, _) = try model.predict(batch)
            for row in 0..<batch.batchSize {
                let rowLogits = Array(logits[row * names.count..<(row + 1) * names.count])
                let scores = softmax(rowLogits)
                let best = scores.indices.max { scores[$0] < scores[$1] }!
                rows.append((names[best], scores[best], scores, rowLogits))
            }
        }

        if arguments.flag("json") {
            for (text, row) in zip(texts, rows) {
                let object: [String: Any] = [
                    "text": text, "label": row.label,
                    "scores": Dictionary(uniqueKeysWithValues: zip(names, row.scores.map(jsonNumber))),
                    "logits": row.logits.map(jsonNumber),
                ]
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                Console.output(String(decoding: data, as: UTF8.self))
            }
        } else {
            var table = [["label", "score", "text"]]
            for (text, row) in zip(texts, rows) {
                let shown = text.count > 70 ? String(text.prefix(67)) + "..." : text
                table.append([row.label, String(format: "%.3f", row.probability), shown])
            }
            Console.output(alignedColumns(table))
        }
    }

    static func softmax(_ logits: [Float]) -> [Float] {
        let maximum = logits.max() ?? 0
        let exponents = logits.map { expf($0 - maximum) }
        let sum = exponents.reduce(0, +)
        return exponents.map { $0 / sum }
    }
}

/// Left-aligned columns separated by two spaces; the last column is not padded.
func alignedColumns(_ rows: [[String]]) -> String {
    guard let first = rows.first else { return "" }
    let widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { index, cell in
            index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }.joined(separator: "\n")
}
