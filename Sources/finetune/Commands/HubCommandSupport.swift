import Finetune
import Foundation

/// Hub ids on the command line: resolution through the shared cache, with a progress bar for
/// large downloads.
enum HubCommandSupport {
    static func resolver(_ arguments: ParsedArguments) throws -> HubResolver {
        let progress = DownloadProgress()
        return try HubResolver(token: arguments.values["token"], onEvent: { event in progress.handle(event) })
    }

    static func resolveModel(_ argument: String, arguments: ParsedArguments) throws -> URL {
        try resolver(arguments).resolveModel(argument, revision: arguments.string("revision") ?? "main")
    }

    /// A Hub data set's split files, the card's label names and its label column.
    static func resolveDataset(_ argument: String, arguments: ParsedArguments, required: Split) throws -> HubData {
        let dataset = try resolver(arguments).resolveDataset(argument, config: arguments.values["config"],
                                                             revision: arguments.string("revision") ?? "main")
        var files: [Split: [URL]] = [:]
        for (name, urls) in dataset.splits {
            if let split = Split.fileStems[name.lowercased()] { files[split] = urls }
        }
        guard files[required] != nil else {
            throw UsageError("Data set '\(argument)' has no \(required.rawValue) split (it has: \(dataset.splitNames.joined(separator: ", "))).")
        }
        return HubData(files: DataFiles(files: files), labelNames: dataset.labelNames, labelColumn: dataset.labelColumn)
    }
}

/// What a data argument resolves to.
struct HubData {
    let files: DataFiles
    /// Label names in id order from a Hub card, when it has a class_label feature.
    let labelNames: [String]?
    /// The card's class_label column, used unless --label-column is given.
    let labelColumn: String?
}

/// Draws Hub downloads on standard error: a bar on a terminal, start and finish lines otherwise.
final class DownloadProgress: @unchecked Sendable {
    private let lock = NSLock()

    func handle(_ event: HubEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case let .downloadProgress(path, completed, total):
            guard Console.errorIsTerminal, let total, total > 0 else { return }
            let fraction = Double(completed) / Double(total)
            let filled = Int(fraction * 24)
            Console.overwrite("\(path) " + String(repeating: "█", count: filled) + String(repeating: "·", count: 24 - filled)
                + " \(formatBytes(Int(completed)))/\(formatBytes(Int(total)))")
        case .downloadFinished:
            if Console.errorIsTerminal { Console.overwrite("") }
            Console.log(event.description)
        case .fileCached:
            break
        default:
            Console.log(event.description)
        }
    }
}
