/// Failure to resolve or download from the Hugging Face Hub. Each message is one line that names the
/// repository, revision or file and ends with what to do.
public enum HubError: Error, CustomStringConvertible, Equatable {
    /// The argument is neither an existing local path nor a valid Hub id.
    case invalidArgument(argument: String, reason: String)
    /// HTTP 401 or 403: the repository is private or gated, or the token is invalid.
    case unauthorized(repo: String, status: Int, serverMessage: String?)
    /// HTTP 404 for the repository, the revision, or one file (`path`).
    case notFound(repo: String, revision: String, path: String?, serverMessage: String?)
    /// No connection to the Hub (refused, DNS failure, timeout, TLS failure).
    case unreachable(endpoint: String, reason: String)
    /// Offline mode is on (HF_HUB_OFFLINE) and the cache lacks the repository, revision or a file.
    case notCached(repo: String, revision: String, cache: String, missing: String)
    /// Another HTTP status.
    case httpStatus(url: String, status: Int, serverMessage: String?)
    /// A response the client cannot use (invalid JSON, missing ETag or commit header).
    case invalidResponse(url: String, reason: String)
    /// A downloaded file's SHA-256 or size differs from what the Hub announced.
    case integrityCheckFailed(path: String, expected: String, actual: String)
    /// A model repository whose weights exist only as pickle files (pytorch_model.bin and similar).
    case pickleOnly(repo: String, revision: String, files: [String])
    /// The repository lacks files this tool needs (config.json, weights, data files).
    case missingFiles(repo: String, revision: String, reason: String)
    /// The data set card (README.md front matter) cannot be parsed where it matters.
    case invalidCard(repo: String, line: Int?, reason: String)
    /// The requested data set config is not in the card.
    case configNotFound(repo: String, config: String, available: [String])
    /// The card defines several configs and none is marked as the default.
    case configRequired(repo: String, available: [String])
    /// A file or folder in the cache or a local folder could not be read or written.
    case fileSystem(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalidArgument(let argument, let reason):
            return "'\(argument)' is not an existing local path and not a Hub id (\(reason)). "
                + "Pass a folder or file that exists, or a Hub id such as 'roberta-base' or 'dair-ai/emotion'."
        case .unauthorized(let repo, let status, let serverMessage):
            return "Hub: access to \(repo) was denied (HTTP \(status)\(Self.suffix(serverMessage))). It does not exist, "
                + "or it is private or gated: check the id, accept its terms on the Hub page if it is gated, "
                + "then set HF_TOKEN or pass --token."
        case .notFound(let repo, let revision, let path, let serverMessage):
            if let path {
                return "Hub: file '\(path)' was not found in \(repo) at revision '\(revision)' (HTTP 404\(Self.suffix(serverMessage))). "
                    + "Check the file name, or pick another revision with --revision."
            }
            return "Hub: \(repo) or its revision '\(revision)' was not found (HTTP 404\(Self.suffix(serverMessage))). "
                + "Check the id and --revision, or pass a local path instead."
        case .unreachable(let endpoint, let reason):
            return "Hub: cannot reach \(endpoint) (\(reason)). Check the network and HF_ENDPOINT. "
                + "To work without the Hub, set HF_HUB_OFFLINE=1 to use files already in the cache, or pass local paths to --model and --data."
        case .notCached(let repo, let revision, let cache, let missing):
            return "Hub: offline mode (HF_HUB_OFFLINE) is on and \(repo) at revision '\(revision)' is not in the cache \(cache): \(missing). "
                + "Run 'finetune download' for it while online, unset HF_HUB_OFFLINE, or pass a local path."
        case .httpStatus(let url, let status, let serverMessage):
            return "Hub: HTTP \(status) from \(url)\(Self.suffix(serverMessage)). Try again later; if it persists, check HF_ENDPOINT."
        case .invalidResponse(let url, let reason):
            return "Hub: invalid response from \(url): \(reason). Check that HF_ENDPOINT points to a Hugging Face Hub."
        case .integrityCheckFailed(let path, let expected, let actual):
            return "Hub: download of '\(path)' failed its integrity check (expected \(expected), got \(actual)). "
                + "The partial file was removed; run the command again to download it afresh."
        case .pickleOnly(let repo, let revision, let files):
            return "Hub: \(repo) at revision '\(revision)' has weights only as pickle files (\(files.joined(separator: ", "))), "
                + "which this tool never loads because unpickling can run code. Use a revision with model.safetensors, or convert "
                + "it in Python: AutoModel.from_pretrained(ID).save_pretrained(DIR, safe_serialization=True), then pass --model DIR."
        case .missingFiles(let repo, let revision, let reason):
            return "Hub: \(repo) at revision '\(revision)' \(reason)."
        case .invalidCard(let repo, let line, let reason):
            let place = line.map { " at line \($0)" } ?? ""
            return "Hub: the data set card (README.md) of \(repo) is invalid\(place): \(reason). "
                + "Fix the card's YAML header, or download the data files and pass a local path to --data."
        case .configNotFound(let repo, let config, let available):
            return "Hub: \(repo) has no config '\(config)'. Configs: \(available.joined(separator: ", ")). Use one of these names."
        case .configRequired(let repo, let available):
            return "Hub: \(repo) has several configs and none is the default: \(available.joined(separator: ", ")). Name one of them as the config."
        case .fileSystem(let path, let reason):
            return "Hub cache: cannot use \(path): \(reason). Check the permissions and free space there, or point HF_HUB_CACHE elsewhere."
        }
    }

    private static func suffix(_ serverMessage: String?) -> String {
        guard let serverMessage, !serverMessage.isEmpty else { return "" }
        return ": \(serverMessage)"
    }
}
