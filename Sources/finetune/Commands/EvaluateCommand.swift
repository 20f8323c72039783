import Finetune
import Foundation

/// `finetune evaluate`: accuracy, precision/recall/F1 (weighted, macro, per class) and the
/// confusion matrix of a trained model on one split.
enum EvaluateCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let splitName = arguments.string("split")!
        guard let split = Split.fileStems[splitName.lowercased()] else {
            throw UsageError("Invalid value '\(splitName)' for '--split': expected train, validation or test.")
        }
        let precision = try arguments.choice("precision", as: Precision.self) ?? .fp32
        let session = try TrainingSession(arguments, splits: [split], precision: precision, forEvaluation: true)
        let examples = session.data.splits[split] ?? []
        guard !examples.isEmpty else { throw TrainingError.emptySplit(name: split.rawValue) }

        // Logits for every example, in file order.
        let batcher = try session.batcher(examples, shuffle: false, seed: 0)
        var predictions: [Int] = []
        var lossSum: Double = 0
        let labelCount = session.data.labels.count
        for batch in batcher.batches(epoch: 1) {
            let (logits, loss) = try session.model.predict(batch)
            lossSum += Double(loss ?? 0) * Double(batch.batchSize)
            for row in 0..<batch.batchSize {
                let scores = logits[row * labelCount..<(row + 1) * labelCount]
                predictions.append(scores.indices.max { scores[$0] < scores[$1] }! - row * labelCount)
            }
        }
        let references = examples.map { Int($0.label ?? -1) }
        let metrics = ClassificationMetrics(references: references, predictions: predictions, labels: session.data.labels.names)
        let loss = lossSum / Double(examples.count)

        if arguments.flag("json") {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var object = try JSONSerialization.jsonObject(with: encoder.encode(metrics)) as! [String: Any]
            object["loss"] = (loss * 1e6).rounded() / 1e6
            object["split"] = split.rawValue
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            Console.output(String(decoding: data, as: UTF8.self))
        } else {
            Console.output("\(split.rawValue) split: \(examples.count) examples, loss \(String(format: "%.4f", loss))\n")
            Console.output(metrics.table())
        }
    }
}
