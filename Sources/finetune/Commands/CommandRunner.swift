import Finetune
import Foundation

/// Routes a parsed command line to its implementation.
enum CommandRunner {
    static func run(_ arguments: ParsedArguments) throws {
        switch arguments.command.name {
        case "train": try TrainCommand.run(arguments)
        case "evaluate": try EvaluateCommand.run(arguments)
        case "predict": try PredictCommand.run(arguments)
        case "tokenize": try TokenizeCommand.run(arguments)
        case "compare": try CompareCommand.run(arguments)
        case "bench": try BenchCommand.run(arguments)
        case "download": try DownloadCommand.run(arguments)
        case "demo": try DemoCommand.run(arguments)
        default: throw UsageError("Unknown command '\(arguments.command.name)'. See 'finetune --help'.")
        }
    }
}
