import Foundation

/// One `--option` of a subcommand: its name without dashes, the placeholder of its value
/// (nil for a flag), its help text and its default as shown in `--help`.
struct OptionSpec {
    let name: String
    let value: String?
    let help: String
    let defaultValue: String?

    init(_ name: String, value: String? = nil, default defaultValue: String? = nil, help: String) {
        self.name = name
        self.value = value
        self.help = help
        self.defaultValue = defaultValue
    }

    var isFlag: Bool { value == nil }
}

/// A subcommand's name, one-line summary, usage line and options.
struct CommandSpec {
    let name: String
    let summary: String
    let usage: String
    let options: [OptionSpec]
    /// Help for positional arguments, or nil when the command takes none.
    let positionalHelp: String?

    func option(named name: String) -> OptionSpec? { options.first { $0.name == name } }

    /// The `--help` text: usage, summary and an aligned option table.
    var helpText: String {
        var lines = ["Usage: finetune \(usage)", "", summary, ""]
        if let positionalHelp { lines += [positionalHelp, ""] }
        lines.append("Options:")
        let labels = options.map { spec in spec.isFlag ? "--\(spec.name)" : "--\(spec.name) \(spec.value!)" }
        let width = min(34, (labels.map(\.count).max() ?? 0) + 2)
        for (spec, label) in zip(options, labels) {
            var text = spec.help
            if let defaultValue = spec.defaultValue { text += " (default: \(defaultValue))" }
            let padded = label.count < width ? label.padding(toLength: width, withPad: " ", startingAt: 0) : label + "  "
            lines.append("  " + padded + text)
        }
        lines.append("  " + "--help".padding(toLength: width, withPad: " ", startingAt: 0) + "Show this help and exit.")
        return lines.joined(separator: "\n")
    }
}

/// A user error on the command line. `main` prints it as `Error: …` and exits with status 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// The parsed `--option value` pairs, flags and positional arguments of one invocation.
struct ParsedArguments {
    let command: CommandSpec
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positionals: [String] = []
    private(set) var helpRequested = false

    /// Parses `arguments` (without the subcommand name). Accepts `--name value` and `--name=value`.
    init(_ arguments: [String], command: CommandSpec) throws {
        self.command = command
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if argument == "--help" || argument == "-h" {
                helpRequested = true
                continue
            }
            if argument == "--" {
                positionals += arguments[index...]
                break
            }
            guard argument.hasPrefix("--"), argument.count > 2 else {
                guard command.positionalHelp != nil else {
                    throw UsageError("Unexpected argument '\(argument)' for 'finetune \(command.name)'. Options start with '--'; see 'finetune \(command.name) --help'.")
                }
                positionals.append(argument)
                continue
            }

            var name = String(argument.dropFirst(2))
            var inlineValue: String?
            if let equals = name.firstIndex(of: "=") {
                inlineValue = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            guard let spec = command.option(named: name) else {
                throw UsageError("Unknown option '--\(name)' for 'finetune \(command.name)'.\(Self.suggestion(for: name, in: command)) See 'finetune \(command.name) --help'.")
            }
            guard values[name] == nil, !flags.contains(name) else {
                throw UsageError("Option '--\(name)' is given twice. Give it once.")
            }
            if spec.isFlag {
                if inlineValue != nil { throw UsageError("Option '--\(name)' is a flag and takes no value.") }
                flags.insert(name)
                continue
            }
            if let inlineValue {
                values[name] = inlineValue
            } else {
                guard index < arguments.count, !arguments[index].hasPrefix("--") else {
                    throw UsageError("Option '--\(name)' needs a value (\(spec.value!)). See 'finetune \(command.name) --help'.")
                }
                values[name] = arguments[index]
                index += 1
            }
        }
    }

    private static func suggestion(for name: String, in command: CommandSpec) -> String {
        let close = command.options.map(\.name).filter { $0.hasPrefix(String(name.prefix(3))) }
        return close.isEmpty ? "" : " Did you mean " + close.map { "'--\($0)'" }.joined(separator: " or ") + "?"
    }

    func flag(_ name: String) -> Bool { flags.contains(name) }

    func string(_ name: String) -> String? { values[name] ?? command.option(named: name)?.defaultValue }

    func required(_ name: String) throws -> String {
        guard let value = values[name], !value.isEmpty else {
            throw UsageError("Missing required option '--\(name)'. See 'finetune \(command.name) --help'.")
        }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let expected = range.upperBound == Int.max ? "an integer of at least \(range.lowerBound)"
                : "an integer from \(range.lowerBound) to \(range.upperBound)"
            throw UsageError("Invalid value '\(text)' for '--\(name)': expected \(expected).")
        }
        return value
    }

    func float(_ name: String, in range: ClosedRange<Float>) throws -> Float? {
        guard let text = string(name) else { return nil }
        guard let value = Float(text), value.isFinite, range.contains(value) else {
            let expected = range.lowerBound == Float.leastNonzeroMagnitude
                ? (range.upperBound == Float.greatestFiniteMagnitude ? "a positive number" : "a positive number up to \(range.upperBound)")
                : "a number from \(range.lowerBound) to \(range.upperBound)"
            throw UsageError("Invalid value '\(text)' for '--\(name)': expected \(expected).")
        }
        return value
    }

    func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            let options = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("Invalid value '\(text)' for '--\(name)': expected one of \(options).")
        }
        return value
    }

    /// A comma-separated list, e.g. `--labels a,b,c`; empty items are rejected.
    func list(_ name: String) throws -> [String]? {
        guard let text = string(name) else { return nil }
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else {
            throw UsageError("Invalid value '\(text)' for '--\(name)': expected a comma-separated list without empty items.")
        }
        return items
    }
}
