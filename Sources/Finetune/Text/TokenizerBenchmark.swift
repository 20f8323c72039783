import Foundation

/// Result of `tokenizeFileForBenchmark`: the ids of every text and how long each stage took.
public struct TokenizeBenchmarkResult: Sendable {
    /// Ids of each input text, in input order.
    public var ids: [[Int32]]
    public var loadSeconds: Double
    /// Wall time of each `encodeBatch` run over all texts.
    public var encodeSeconds: [Double]

    public var textCount: Int { ids.count }
    public var idCount: Int { ids.reduce(0) { $0 + $1.count } }

    /// One-line JSON summary, for `finetune tokenize --timing` (bench/bench_tokenize.py parses it):
    /// `{"texts": 16000, "ids": 352015, "load_seconds": 0.21, "encode_seconds": [...], "encode_seconds_min": 0.05, "cores": 2}`.
    public var timingJSON: String {
        let runs = encodeSeconds.map { String(format: "%.6f", $0) }.joined(separator: ", ")
        return "{\"texts\": \(textCount), \"ids\": \(idCount), \"load_seconds\": \(String(format: "%.6f", loadSeconds)), "
            + "\"encode_seconds\": [\(runs)], \"encode_seconds_min\": \(String(format: "%.6f", encodeSeconds.min() ?? 0)), "
            + "\"cores\": \(ProcessInfo.processInfo.activeProcessorCount)}"
    }
}

/// Loads the tokenizer in `model`, reads the texts of `input` and encodes them all with `encodeBatch`
/// `repeats` times, timing each run. The ids returned are those of the last run.
///
/// `input` is `.jsonl` (one object per line with a `text` string) or plain text with one text per line,
/// for any other extension. `finetune tokenize` prints `TokenizerOutput.jsonLines(result.ids)` to stdout
/// and, with `--timing`, `result.timingJSON` to stderr.
public func tokenizeFileForBenchmark(
    model: URL, input: URL, maxLength: Int? = nil, repeats: Int = 1
) throws -> TokenizeBenchmarkResult {
    let texts = try TokenizerOutput.readTexts(input)
    let loadStart = DispatchTime.now().uptimeNanoseconds
    let tokenizer = try TokenizerLoader.load(folder: model, maxLength: maxLength)
    let loadSeconds = Double(DispatchTime.now().uptimeNanoseconds - loadStart) / 1e9

    var ids: [[Int32]] = []
    var encodeSeconds: [Double] = []
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        ids = tokenizer.encodeBatch(texts)
        encodeSeconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return TokenizeBenchmarkResult(ids: ids, loadSeconds: loadSeconds, encodeSeconds: encodeSeconds)
}

/// Input and output formats of `finetune tokenize`.
public enum TokenizerOutput {
    /// Formats each row as a JSON array (`[0,713,2]`) on a line of its own, each line ending in a newline.
    public static func jsonLines(_ rows: [[Int32]]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(rows.reduce(0) { $0 + $1.count * 6 + 3 })
        for row in rows {
            bytes.append(UInt8(ascii: "["))
            for (index, id) in row.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: String(id).utf8)
            }
            bytes.append(UInt8(ascii: "]"))
            bytes.append(UInt8(ascii: "\n"))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads the texts of a `.jsonl` file (`text` field of each non-empty line) or of a plain text file
    /// (one per line, with a final empty line and trailing CRs dropped).
    public static func readTexts(_ url: URL) throws -> [String] {
        let lines = splitLinesAsRust(try VocabularyFiles.readText(url.path))
        guard url.pathExtension.lowercased() == "jsonl" else { return lines.map(String.init) }

        var texts: [String] = []
        for (index, line) in lines.enumerated() where !line.allSatisfy(\.isWhitespace) {
            let object = try? JSONParser.parse(Array(line.utf8))
            guard case let .string(text)? = object?.member("text") else {
                throw TokenizerError.invalidInputLine(
                    path: url.path, line: index + 1, reason: "expected a JSON object with a \"text\" string")
            }
            texts.append(text)
        }
        return texts
    }
}
