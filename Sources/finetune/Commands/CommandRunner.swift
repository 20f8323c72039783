import Finetune
import Foundation

/// Routes a parsed command line to its implementation.
enum CommandRunner {
    static func run(_ arguments: ParsedArguments) throws {
        switch arguments.command.name {
        default:
            throw UsageError("The '\(arguments.command.name)' command is not available in this build.")
        }
    }
}
