/// Progress reported while resolving and downloading, for the command line to draw.
/// Events arrive on the calling thread or on a URLSession delegate thread, so handlers must be thread-safe.
public enum HubEvent: Sendable, Equatable, CustomStringConvertible {
    /// The revision resolved to a commit on the Hub.
    case resolved(repo: HubRepo, revision: String, commit: String)
    /// Offline mode is on, or the Hub is unreachable, so the cached snapshot is used.
    case usingCache(repo: HubRepo, commit: String, reason: String)
    /// A file was already in the cache.
    case fileCached(path: String)
    /// A download starts; `resumedFrom` is the size of a partial file kept from an earlier attempt.
    case downloadStarted(path: String, totalBytes: Int64?, resumedFrom: Int64)
    /// Bytes of a download written so far, at most about ten times a second.
    case downloadProgress(path: String, completedBytes: Int64, totalBytes: Int64?)
    case downloadFinished(path: String, bytes: Int64)
    /// A dropped download will be resumed after a short wait.
    case retrying(path: String, attempt: Int, reason: String)

    public var description: String {
        switch self {
        case .resolved(let repo, let revision, let commit):
            return "\(repo) revision \(revision) is commit \(commit)"
        case .usingCache(let repo, let commit, let reason):
            return "\(repo): using cached commit \(commit) (\(reason))"
        case .fileCached(let path):
            return "\(path): in cache"
        case .downloadStarted(let path, let totalBytes, let resumedFrom):
            let size = totalBytes.map { "\($0) bytes" } ?? "unknown size"
            return resumedFrom > 0 ? "\(path): resuming at byte \(resumedFrom) of \(size)" : "\(path): downloading \(size)"
        case .downloadProgress(let path, let completedBytes, let totalBytes):
            return "\(path): \(completedBytes) of \(totalBytes.map(String.init) ?? "?") bytes"
        case .downloadFinished(let path, let bytes):
            return "\(path): downloaded \(bytes) bytes"
        case .retrying(let path, let attempt, let reason):
            return "\(path): connection dropped (\(reason)), retry \(attempt)"
        }
    }
}

public typealias HubEventHandler = @Sendable (HubEvent) -> Void
