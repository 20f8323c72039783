import Finetune
import Foundation

/// `finetune compare`: one `train` and one `evaluate` per precision, each in a child process so
/// that time and peak memory are measured per run, then the side-by-side report.
enum CompareCommand {
    static func run(_ arguments: ParsedArguments) throws {
        let output = URL(fileURLWithPath: try arguments.required("output"))
        let precisions = try parsePrecisions(arguments.list("precisions") ?? ["fp32", "bf16"])
        let model = try arguments.required("model")
        let data = try arguments.required("data")
        // Validate the training options and resolve the inputs here, before any run starts.
        _ = try TrainCommand.trainingOptions(arguments)
        try TrainCommand.checkOutput(output)
        _ = try Inputs.modelFolder(arguments)
        _ = try Inputs.dataFiles(arguments, required: .train)
        try compare(model: model, data: data, precisions: precisions, passThrough: passThroughOptions(arguments), output: output)
    }

    /// Trains and tests each precision from the same initial weights and seed, prints the table
    /// and writes report.md, report.json and chart.svg into `output`.
    static func compare(model: String, data: String, precisions: [Precision], passThrough: [String], output: URL) throws {
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        var runs: [PrecisionRun] = []
        for precision in precisions {
            let runFolder = output.appendingPathComponent(precision.rawValue)
            Console.log("== \(precision.rawValue): training \(model) on \(data)")
            try runChild(["train", "--model", model, "--data", data, "--output", runFolder.path, "--precision", precision.rawValue] + passThrough)

            Console.log("== \(precision.rawValue): evaluating on the test split")
            let evaluation = try runChild(["evaluate", "--model", runFolder.path, "--data", data, "--split", "test",
                                           "--precision", precision.rawValue, "--json"] + evaluationOptions(passThrough),
                                          captureOutput: true)
            runs.append(try precisionRun(precision, runFolder: runFolder, evaluationJSON: evaluation))
        }

        let report = ComparisonReport(model: model, data: data, settings: settings(passThrough), cpu: cpuDescription(), runs: runs)
        try report.write(to: output)
        Console.output(report.table())
        Console.log("Wrote \(output.appendingPathComponent("report.md").path), report.json and chart.svg")
    }

    // MARK: - Child processes

    /// Runs this executable with `arguments`; stderr passes through so progress stays visible.
    @discardableResult
    private static func runChild(_ arguments: [String], captureOutput: Bool = false) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = arguments
        let pipe = Pipe()
        if captureOutput { process.standardOutput = pipe }
        try process.run()
        let data = captureOutput ? pipe.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw ChildProcessFailed(status: process.terminationStatus) }
        return data
    }

    private static func precisionRun(_ precision: Precision, runFolder: URL, evaluationJSON: Data) throws -> PrecisionRun {
        let summaryURL = runFolder.appendingPathComponent(TrainCommand.summaryFileName)
        let summary = try JSONDecoder().decode(TrainingSummary.self, from: Data(contentsOf: summaryURL))
        guard let lastLine = String(decoding: evaluationJSON, as: UTF8.self).split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(lastLine.utf8)) as? [String: Any] else {
            throw CompareError.unreadableEvaluation(precision: precision.rawValue)
        }
        func number(_ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? .nan }
        let macro = object["macro"] as? [String: Any]
        return PrecisionRun(
            precision: precision.rawValue, trainSeconds: summary.trainSeconds, totalSeconds: summary.totalSeconds,
            validationLossPerEpoch: summary.validationLossPerEpoch, testLoss: (object["loss"] as? NSNumber)?.floatValue,
            accuracy: number("accuracy"), precisionWeighted: number("precision"), recallWeighted: number("recall"),
            f1Weighted: number("f1"), f1Macro: (macro?["f1"] as? NSNumber)?.doubleValue ?? .nan,
            peakMemoryBytes: summary.peakMemoryBytes, skippedSteps: summary.skippedSteps,
            testExamples: (object["examples"] as? NSNumber)?.intValue ?? 0)
    }

    // MARK: - Options

    private static func parsePrecisions(_ names: [String]) throws -> [Precision] {
        let precisions = try names.map { name -> Precision in
            guard let precision = Precision(rawValue: name) else {
                throw UsageError("Invalid precision '\(name)' in '--precisions': expected fp32, bf16 or fp16.")
            }
            return precision
        }
        guard Set(precisions).count == precisions.count else {
            throw UsageError("'--precisions' lists a precision twice: \(names.joined(separator: ",")).")
        }
        return precisions
    }

    /// Returns the command-line options that `train` also understands, in their original form.
    private static func passThroughOptions(_ arguments: ParsedArguments) -> [String] {
        let shared = Set((Options.training + Options.dataSelection).map(\.name)).subtracting(["data"])
        var result: [String] = []
        for name in arguments.values.keys.sorted() where shared.contains(name) {
            result += ["--\(name)", arguments.values[name]!]
        }
        for name in arguments.flags.sorted() where shared.contains(name) {
            result.append("--\(name)")
        }
        return result
    }

    /// Returns the subset of the training options that `evaluate` accepts.
    private static func evaluationOptions(_ passThrough: [String]) -> [String] {
        let accepted = Set(CommandSpec.evaluate.options.map { "--" + $0.name }).subtracting(["--precision", "--json"])
        var result: [String] = []
        var index = 0
        while index < passThrough.count {
            let name = passThrough[index]
            let takesValue = index + 1 < passThrough.count && !passThrough[index + 1].hasPrefix("--")
            if accepted.contains(name) { result += takesValue ? [name, passThrough[index + 1]] : [name] }
            index += takesValue ? 2 : 1
        }
        return result
    }

    private static func settings(_ passThrough: [String]) -> [String: String] {
        var settings = ["epochs": "3", "batch-size": "32", "lr": "5e-5", "padding": "longest", "seed": "42"]
        var index = 0
        while index < passThrough.count {
            let name = String(passThrough[index].dropFirst(2))
            if index + 1 < passThrough.count, !passThrough[index + 1].hasPrefix("--") {
                settings[name] = passThrough[index + 1]
                index += 2
            } else {
                settings[name] = "yes"
                index += 1
            }
        }
        return settings
    }

    static func cpuDescription() -> String {
        let features = CPUFeatures.current
        return "\(features.modelName), \(features.logicalCores) cores, \(features.summary)"
    }
}

/// A `train` or `evaluate` child of `compare` failed. The child has printed its own `Error:` line, so the
/// parent exits with the same status and prints nothing more.
struct ChildProcessFailed: Error {
    let status: Int32
}

enum CompareError: Error, CustomStringConvertible {
    case unreadableEvaluation(precision: String)

    var description: String {
        switch self {
        case let .unreadableEvaluation(precision):
            return "The \(precision) evaluation printed no JSON object; run 'finetune evaluate --json' on that model to see why."
        }
    }
}
