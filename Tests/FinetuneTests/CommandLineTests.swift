import Foundation
import Testing

/// Runs the built `finetune` executable, as a user would.
struct ToolRun {
    let status: Int32
    let output: String
    let error: String

    static let executable: URL = {
        // Tests run from .build/<configuration>/, next to the executable.
        let bundle = Bundle.main.bundleURL
        let candidates = [bundle.deletingLastPathComponent().appendingPathComponent("finetune"),
                          bundle.appendingPathComponent("finetune"),
                          TestPaths.packageRoot.appendingPathComponent(".build/debug/finetune")]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ToolRun {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errorBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errorBox.data = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return ToolRun(status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                       error: String(decoding: errorBox.data, as: UTF8.self))
    }
}

@Suite struct CommandLineTests {
    @Test func versionPrints() throws {
        let run = try ToolRun.run(["--version"])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("finetune "))
    }

    @Test func everyCommandHasHelp() throws {
        for command in ["train", "evaluate", "predict", "tokenize", "compare", "bench", "download", "demo"] {
            let run = try ToolRun.run([command, "--help"])
            #expect(run.status == 0, "\(command) --help failed")
            #expect(run.output.contains("Usage: finetune \(command)"))
            #expect(run.output.contains("--help"))
        }
    }

    /// Each bad command line gets exactly one `Error:` line and exit status 2.
    @Test(arguments: [
        ["frobnicate"],
        ["train", "--bogus"],
        ["train", "--model"],
        ["train", "--data", "x", "--output", "y"],
        ["train", "--model", "m", "--data", "d", "--output", "o", "--epochs", "zero"],
        ["train", "--model", "m", "--data", "d", "--output", "o", "--lr", "-1"],
        ["train", "--model", "m", "--data", "d", "--output", "o", "--precision", "fp8"],
        ["train", "--model", "m", "--data", "d", "--output", "o", "--padding", "none"],
        ["compare", "--model", "m", "--data", "d", "--output", "o", "--precisions", "fp32,fp32"],
        ["evaluate", "--model", "m", "--data", "d", "--split", "holdout"],
    ])
    func badArgumentsFailCleanly(arguments: [String]) throws {
        let run = try ToolRun.run(arguments)
        #expect(run.status == 2)
        let errorLines = run.error.split(separator: "\n").filter { $0.hasPrefix("Error: ") }
        #expect(errorLines.count == 1, "stderr: \(run.error)")
        #expect(run.output.isEmpty)
    }
}
