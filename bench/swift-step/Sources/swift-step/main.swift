import Finetune
import Foundation

/// Usage: swift-step [--precision fp32|bf16|fp16] [--steps N] [--warmup N] [--batch-size B] [--seq-len T]
/// Prints one line per timed step and, last, a JSON object in the format of bench/bench_step.py.
var options = ["precision": "fp32", "steps": "5", "warmup": "2", "batch-size": "32", "seq-len": "32"]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst() {
    let key = String(name.drop(while: { $0 == "-" }))
    guard options[key] != nil, let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data("invalid argument \(name); options: \(options.keys.sorted().map { "--\($0)" })\n".utf8))
        exit(2)
    }
    options[key] = value
}
guard let precision = Precision(rawValue: options["precision"]!), let steps = Int(options["steps"]!),
      let warmup = Int(options["warmup"]!), let batchSize = Int(options["batch-size"]!), let length = Int(options["seq-len"]!) else {
    FileHandle.standardError.write(Data("invalid option value in \(options)\n".utf8))
    exit(2)
}

let times = try TrainingStepBenchmark.run(config: TrainingStepBenchmark.robertaBaseConfig(), batchSize: batchSize,
                                          sequenceLength: length, precision: precision, steps: steps, warmupSteps: warmup) { step, seconds in
    print(String(format: "step %d  %.3f s", step, seconds))
}
let median = times.sorted()[times.count / 2]

/// VmHWM of this process in MiB.
func peakResidentMiB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        return (Double(fields[1]) ?? 0) / 1024
    }
    return 0
}

let summary: [String: Any] = [
    "framework": "swift-finetune", "precision": precision.rawValue, "batch_size": batchSize, "seq_len": length,
    "threads": ProcessInfo.processInfo.activeProcessorCount, "step_seconds": times.map { ($0 * 1e4).rounded() / 1e4 },
    "step_seconds_median": (median * 1e4).rounded() / 1e4, "peak_rss_mib": (peakResidentMiB() * 10).rounded() / 10,
]
let data = try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])
print(String(decoding: data, as: UTF8.self))
