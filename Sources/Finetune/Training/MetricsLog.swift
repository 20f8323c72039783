import Foundation

/// `metrics.jsonl`: one JSON object per logged step and per epoch, in the order they happen.
///
/// The lines are kept in memory as well as on disk, because saving a checkpoint replaces the
/// output folder and the log has to be written back into the new folder afterwards.
public final class MetricsLog {
    public let url: URL
    private var lines: [String] = []

    public init(url: URL) {
        self.url = url
    }

    /// Appends one record. Keys are written in sorted order so the file diffs cleanly.
    public func append(_ record: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])
        lines.append(String(decoding: data, as: UTF8.self))
        try flush()
    }

    /// Writes every record so far to `url`, atomically.
    public func flush() throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let text = lines.map { $0 + "\n" }.joined()
        try Data(text.utf8).write(to: url, options: .atomic)
    }
}

/// A Float as the Double with the same shortest decimal form, so JSON shows `0.3`, not `0.30000001192092896`.
public func jsonNumber(_ value: Float) -> Double {
    Double(value.description) ?? Double(value)
}
