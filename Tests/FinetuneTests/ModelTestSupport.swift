import Foundation
import Finetune

/// Fixture access and tolerance checks shared by the model and compute tests.
enum ModelFixtures {
    static let root = TestPaths.fixtures.appendingPathComponent("model")

    static func folder(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// Tensors written by scripts/make_model_fixtures.py.
    static func expected(_ name: String) throws -> SafetensorsFile {
        try SafetensorsFile(url: folder(name).appendingPathComponent("expected.safetensors"))
    }

    /// Reads the batch stored under `key` in `<name>/inputs.json`.
    static func batch(_ name: String, key: String = "batch") throws -> Batch {
        let data = try Data(contentsOf: folder(name).appendingPathComponent("inputs.json"))
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let fields = object[key] as! [String: Any]
        let ints = { (field: String) in (fields[field] as! [NSNumber]).map { Int32($0.intValue) } }
        return Batch(ids: ints("ids"), attentionMask: ints("attention_mask"), labels: ints("labels"),
                     batchSize: (fields["batch_size"] as! NSNumber).intValue,
                     sequenceLength: (fields["sequence_length"] as! NSNumber).intValue)
    }

    static func load(_ name: String, labels: [String]? = nil) throws -> SequenceClassifier {
        try SequenceClassifier.load(folder: folder(name), labelNames: labels, seed: 0, log: { _ in })
    }
}

/// The worst element of a comparison |actual - expected| <= atol + rtol·|expected|.
struct Mismatch: CustomStringConvertible {
    var index: Int
    var actual: Float
    var expected: Float
    var excess: Float
    var maxAbsDifference: Float

    var description: String {
        "max |diff| \(maxAbsDifference); worst element \(index): actual \(actual), expected \(expected)"
    }
}

/// Returns nil when every element is within tolerance, else the element that exceeds it most.
func compare(_ actual: [Float], _ expected: [Float], atol: Float, rtol: Float = 0) -> Mismatch? {
    precondition(actual.count == expected.count, "compare: \(actual.count) values against \(expected.count)")
    var worst: Mismatch?
    var maxDifference: Float = 0
    for i in 0..<actual.count {
        let difference = abs(actual[i] - expected[i])
        maxDifference = max(maxDifference, difference.isNaN ? .infinity : difference)
        let excess = difference - (atol + rtol * abs(expected[i]))
        if !(excess <= 0), worst == nil || !(excess <= worst!.excess) {
            worst = Mismatch(index: i, actual: actual[i], expected: expected[i], excess: excess.isNaN ? .infinity : excess, maxAbsDifference: 0)
        }
    }
    worst?.maxAbsDifference = maxDifference
    return worst
}

/// Largest |actual - expected|.
func maxAbsDifference(_ actual: [Float], _ expected: [Float]) -> Float {
    zip(actual, expected).map { abs($0 - $1) }.max() ?? 0
}
