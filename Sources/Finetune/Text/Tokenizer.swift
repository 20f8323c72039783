import Dispatch
import Foundation
import Synchronization

// MARK: - Protocol

/// Converts text to the token ids a model takes, matching Hugging Face `tokenizers` 0.23 / `transformers` 5.
///
/// Conformers: `ByteLevelBPETokenizer` (RoBERTa, GPT-2 family) and `WordPieceTokenizer` (BERT family).
/// `TokenizerLoader.load(folder:maxLength:)` builds either from a Hugging Face model folder.
public protocol Tokenizer: Sendable {
    /// Ids as the model sees them: special tokens added, truncated to `maxLength`.
    ///
    /// Truncation drops content tokens from the end and keeps the framing tokens, as `transformers`
    /// does for `tokenizer(text, truncation=True)` with `max_length == maxLength`. Special-token strings
    /// typed in the text (`<s>`, `</s>`, `<mask>`, `[SEP]` …) become those tokens, as in `transformers`
    /// with its default `split_special_tokens=False`.
    func encode(_ text: String) -> [Int32]

    /// Ids of each text, in input order; the default implementation runs `encode` in parallel.
    func encodeBatch(_ texts: [String]) -> [[Int32]]

    /// Text of `ids`, as `tokenizer.decode(ids, skip_special_tokens=True)` returns it in `transformers` 5.
    ///
    /// Special tokens are skipped and unknown ids are dropped. Byte-level BPE returns the original bytes
    /// (invalid UTF-8 becomes U+FFFD); WordPiece returns the normalised words joined as its decoder does.
    func decode(_ ids: [Int32]) -> String

    var padTokenId: Int32 { get }

    /// Model maximum, including special tokens. `Int.max` when neither the folder nor the caller gives one.
    var maxLength: Int { get }

    /// Number of ids: the model vocabulary plus added tokens beyond it.
    var vocabularySize: Int { get }

    /// Id of a vocabulary or added token, or nil when the token is unknown.
    func tokenId(_ token: String) -> Int32?
}

public extension Tokenizer {
    func encodeBatch(_ texts: [String]) -> [[Int32]] {
        parallelMap(texts) { encode($0) }
    }
}

/// Applies `transform` to every element on all active cores and returns the results in input order.
///
/// Workers take chunks of 64 elements from a shared counter, so uneven texts balance out.
/// `makeState` runs once per worker and gives it private mutable state (scratch buffers, caches).
func parallelMap<State, Output>(
    _ inputs: [String],
    makeState: () -> State,
    _ transform: (String, inout State) -> Output
) -> [Output] {
    let count = inputs.count
    if count == 0 { return [] }
    let chunkSize = 64
    let chunkCount = (count + chunkSize - 1) / chunkSize
    let workerCount = min(ProcessInfo.processInfo.activeProcessorCount, chunkCount)
    let nextChunk = Atomic<Int>(0)

    var results = [Output?](repeating: nil, count: count)
    results.withUnsafeMutableBufferPointer { slots in
        // SAFETY: each chunk index goes to exactly one worker through the atomic counter, so no two workers
        // write the same slot. `slots` outlives `concurrentPerform`, which returns after all workers end.
        nonisolated(unsafe) let output = slots
        DispatchQueue.concurrentPerform(iterations: workerCount) { _ in
            var state = makeState()
            while true {
                let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
                if chunk >= chunkCount { break }
                let end = min(count, (chunk + 1) * chunkSize)
                for index in (chunk * chunkSize)..<end {
                    output[index] = transform(inputs[index], &state)
                }
            }
        }
    }
    return results.map { $0! }
}

/// `parallelMap` for stateless work.
func parallelMap<Output>(_ inputs: [String], _ transform: (String) -> Output) -> [Output] {
    parallelMap(inputs, makeState: { () }) { text, _ in transform(text) }
}

// MARK: - Errors

/// A tokenizer folder or file that cannot be loaded. Each message names the file and field and ends with a fix.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The folder has none of the supported file sets.
    case missingFiles(folder: String, found: [String])
    /// A file exists but cannot be read or decoded as UTF-8.
    case unreadableFile(path: String, reason: String)
    /// A JSON file does not parse, or a field has the wrong type.
    case malformedJSON(path: String, field: String, reason: String)
    /// A required field is absent.
    case missingField(path: String, field: String)
    /// A field names a component this package does not implement.
    case unsupported(path: String, field: String, value: String, supported: [String])
    /// A line of a text file (merges.txt) is malformed.
    case malformedLine(path: String, line: Int, content: String, reason: String)
    /// A token that a field or merge refers to is not in the vocabulary.
    case tokenNotInVocabulary(path: String, field: String, token: String)
    /// No padding token can be found in any of the files.
    case missingPadToken(folder: String)
    /// A maximum length that is not positive.
    case invalidMaxLength(source: String, value: Int)
    /// A line of an input file of texts (`.jsonl`) that cannot be read.
    case invalidInputLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case let .missingFiles(folder, found):
            let listing = found.isEmpty ? "it is empty" : "it contains \(found.sorted().joined(separator: ", "))"
            return "No tokenizer files in \(folder): \(listing). Expected tokenizer.json, or vocab.json with merges.txt "
                + "(byte-level BPE), or vocab.txt (WordPiece). Point --model at a Hugging Face model folder."
        case let .unreadableFile(path, reason):
            return "Cannot read \(path): \(reason). Check that the file exists, is readable and is UTF-8 text."
        case let .malformedJSON(path, field, reason):
            return "Invalid JSON in \(path) at \(field): \(reason). Re-save the file with transformers' "
                + "save_pretrained or fix the field by hand."
        case let .missingField(path, field):
            return "Missing field \(field) in \(path). Re-save the tokenizer with transformers' save_pretrained."
        case let .unsupported(path, field, value, supported):
            return "Unsupported \(field) \"\(value)\" in \(path). Supported: \(supported.joined(separator: ", ")). "
                + "Use a RoBERTa/GPT-2 byte-level BPE or a BERT WordPiece tokenizer."
        case let .malformedLine(path, line, content, reason):
            return "Invalid line \(line) in \(path): \(reason) (line: \"\(content.prefix(80))\"). "
                + "Each merge line must be two tokens separated by one space."
        case let .tokenNotInVocabulary(path, field, token):
            return "Token \"\(token)\" from \(field) in \(path) is not in the vocabulary. "
                + "Use the vocabulary file that was saved with this tokenizer."
        case let .missingPadToken(folder):
            return "No padding token found for \(folder). Add \"pad_token\" to tokenizer_config.json "
                + "or \"pad_token_id\" to config.json."
        case let .invalidMaxLength(source, value):
            return "Invalid maximum length \(value) from \(source). Give a positive number of tokens."
        case let .invalidInputLine(path, line, reason):
            return "Invalid line \(line) in \(path): \(reason). Write one {\"text\": \"...\"} object per line, "
                + "or use a .txt file with one text per line."
        }
    }
}
