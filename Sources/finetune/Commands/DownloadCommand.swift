import Finetune
import Foundation

/// `finetune download [--dataset] HUB_ID`: fetches ahead of time into the shared Hub cache.
enum DownloadCommand {
    static func run(_ arguments: ParsedArguments) throws {
        guard arguments.positionals.count == 1, let id = arguments.positionals.first else {
            throw UsageError("Pass exactly one Hub id, e.g. 'finetune download roberta-base' or 'finetune download --dataset dair-ai/emotion'.")
        }
        let resolver = try HubCommandSupport.resolver(arguments)
        let revision = arguments.string("revision") ?? "main"
        if arguments.flag("dataset") {
            let dataset = try resolver.downloadDataset(id, config: arguments.values["config"], revision: revision)
            let splits = dataset.splitNames.map { "\($0) (\(dataset.splits[$0]!.count) file\(dataset.splits[$0]!.count == 1 ? "" : "s"))" }
            Console.log("Splits: \(splits.joined(separator: ", "))")
            if let labels = dataset.labelNames { Console.log("Labels: \(labels.joined(separator: ", "))") }
            Console.output(dataset.folder.path)
        } else {
            Console.output(try resolver.downloadModel(id, revision: revision).path)
        }
    }
}
