import Finetune
import Foundation

/// `finetune demo`: the reference recipe (batch 32, lr 5e-5, padding per batch) on the bundled
/// six-emotion data set, fp32 against bf16, ending with the comparison table.
enum DemoCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let model = arguments.string("model")!
        let data = arguments.string("data")!
        let epochs = try arguments.int("epochs", in: 1...100)!
        guard FileManager.default.fileExists(atPath: URL(fileURLWithPath: model).appendingPathComponent("config.json").path) else {
            throw UsageError("No model at '\(model)'. Run 'make model' to unpack all-MiniLM-L6-v2, or pass --model DIR.")
        }
        guard FileManager.default.fileExists(atPath: data) else {
            throw UsageError("No demo data at '\(data)'. Run the demo from the repository root, or pass --data DIR.")
        }
        if !CPUFeatures.current.hasFastBF16 {
            Console.log("Note: this CPU has no AVX512-BF16 or AMX, so the bf16 run will be slower than fp32.")
        }
        try CompareCommand.compare(
            model: model, data: data, precisions: [.fp32, .bf16],
            passThrough: ["--epochs", String(epochs), "--batch-size", "32", "--lr", "5e-5", "--seed", "42", "--log-every", "20"],
            output: URL(fileURLWithPath: arguments.string("output")!))
    }
}
