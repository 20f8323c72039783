import Finetune
import Foundation

/// Entry point: `finetune <command> [options]`. User errors print one `Error: …` line and exit 2;
/// failures while running exit 1.

let toolHelp = """
Usage: finetune <command> [options]

Fine-tune transformer encoders (RoBERTa, BERT) for text classification, in fp32 or mixed precision.

Commands:
\(CommandSpec.all.map { "  " + $0.name.padding(toLength: 10, withPad: " ", startingAt: 0) + $0.summary }.joined(separator: "\n"))

Run 'finetune <command> --help' for the options of a command.
Options: --help, --version
"""

func runCommand(_ arguments: [String]) throws {
    guard let name = arguments.first else {
        Console.log(toolHelp)
        throw UsageError("No command given. Run 'finetune train --help' to start.")
    }
    if name == "--help" || name == "-h" || name == "help" {
        Console.output(toolHelp)
        return
    }
    if name == "--version" {
        Console.output("finetune \(finetuneVersion)")
        return
    }
    guard let spec = CommandSpec.all.first(where: { $0.name == name }) else {
        throw UsageError("Unknown command '\(name)'. Commands: \(CommandSpec.all.map(\.name).joined(separator: ", ")). See 'finetune --help'.")
    }
    let parsed = try ParsedArguments(Array(arguments.dropFirst()), command: spec)
    if parsed.helpRequested {
        Console.output(spec.helpText)
        return
    }
    try CommandRunner.run(parsed)
}

do {
    try runCommand(Array(CommandLine.arguments.dropFirst()))
} catch let error as ChildProcessFailed {
    // The child process already printed its one error line.
    exit(error.status)
} catch let error as UsageError {
    Console.log("Error: \(error.description)")
    exit(2)
} catch {
    Console.log("Error: \(error)")
    exit(1)
}
