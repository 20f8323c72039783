// The Hub's HTTP protocol, as huggingface_hub (file_download.py, hf_api.py) speaks it:
//
//   GET  {endpoint}/api/{models|datasets}/{id}/revision/{revision}  JSON with "sha" and "siblings[].rfilename"
//   HEAD {endpoint}/{id | datasets/id}/resolve/{commit}/{path}     file metadata; relative redirects are
//        followed (renamed repositories), and a redirect to another host (the CDN for Git LFS files) ends
//        the walk with X-Linked-Etag (the file's SHA-256) and X-Linked-Size on that redirect response
//   GET  the last location, with `Range: bytes=N-` when a partial blob exists
//
// The token goes only to the endpoint's own scheme, host and port.

import Foundation

/// A repository's file list at one commit.
public struct HubRepoInfo: Sendable, Equatable {
    /// The full commit sha that the requested revision resolved to.
    public let commit: String
    /// Repository-relative file paths.
    public let files: [String]
}

final class HubClient: @unchecked Sendable {
    let configuration: HubConfiguration
    let cache: HubCache
    let http: HubHTTPClient
    private let onEvent: HubEventHandler?

    /// Redirect hops followed before giving up.
    private static let maxRedirects = 10

    init(configuration: HubConfiguration, onEvent: HubEventHandler?) {
        self.configuration = configuration
        self.cache = HubCache(root: configuration.cacheDirectory)
        self.http = HubHTTPClient(timeout: configuration.requestTimeout)
        self.onEvent = onEvent
    }

    func emit(_ event: HubEvent) {
        onEvent?(event)
    }

    // MARK: - Repository info

    func repoInfo(_ repo: HubRepo, revision: String) throws -> HubRepoInfo {
        let url = endpointURL(repo.revisionAPIPath(revision))
        let response = try get(url, repo: repo, revision: revision, path: nil, followCrossOrigin: true)

        struct RevisionResponse: Decodable {
            struct Sibling: Decodable {
                let rfilename: String
            }

            let sha: String?
            let siblings: [Sibling]?
        }
        let decoded: RevisionResponse
        do {
            decoded = try JSONDecoder().decode(RevisionResponse.self, from: response.body)
        } catch {
            throw HubError.invalidResponse(url: url.absoluteString, reason: "the revision JSON is invalid: \(error)")
        }
        guard let commit = decoded.sha, isCommitHash(commit) else {
            throw HubError.invalidResponse(url: url.absoluteString, reason: "the revision JSON lacks a 40-character 'sha'")
        }
        let files = (decoded.siblings ?? []).map(\.rfilename).filter(isSafeRelativePath)
        emit(.resolved(repo: repo, revision: revision, commit: commit))
        return HubRepoInfo(commit: commit, files: files)
    }

    // MARK: - Files

    /// Returns the snapshot path of `path` at `commit`, downloading the blob and linking it when missing.
    /// `revision` is the branch or tag that resolved to `commit`.
    func downloadFile(_ repo: HubRepo, commit: String, revision: String, path: String) throws -> URL {
        guard isSafeRelativePath(path) else {
            throw HubError.invalidResponse(url: configuration.endpoint.absoluteString, reason: "unsafe file path '\(path)'")
        }
        let pointer = cache.snapshotFolder(repo, commit: commit).appendingPathComponent(path)
        if cache.fileExists(pointer) {
            emit(.fileCached(path: path))
            return pointer
        }

        let metadata = try fileMetadata(repo, commit: commit, revision: revision, path: path)
        try cache.createDirectory(cache.blobURL(repo, etag: metadata.etag).deletingLastPathComponent())
        try cache.withBlobLock(repo, etag: metadata.etag) {
            if cache.fileExists(cache.blobURL(repo, etag: metadata.etag)) {
                emit(.fileCached(path: path))
            } else {
                try fetchBlob(repo, commit: commit, path: path, metadata: metadata)
            }
            try cache.linkSnapshotFile(repo, commit: commit, path: path, etag: metadata.etag)
        }
        return pointer
    }

    struct FileMetadata {
        let etag: String
        let size: Int64?
        let location: URL
        /// The X-Repo-Commit header, when the server sends one.
        let commit: String?
    }

    /// Reads a file's metadata at `commit`. Some Hub stand-ins serve files only by branch or tag name, so a
    /// 404 by commit is retried with `revision`, accepted only while that revision still points to `commit`.
    func fileMetadata(_ repo: HubRepo, commit: String, revision: String, path: String) throws -> FileMetadata {
        do {
            return try fileMetadata(repo, revisionInURL: commit, path: path)
        } catch let error as HubError {
            guard case .notFound = error, revision != commit,
                  let byName = try? fileMetadata(repo, revisionInURL: revision, path: path)
            else { throw error }
            if let served = byName.commit, served != commit {
                throw HubError.invalidResponse(
                    url: byName.location.absoluteString,
                    reason: "revision '\(revision)' moved from commit \(commit) to \(served) during the download; run the command again")
            }
            return byName
        }
    }

    /// Sends HEAD requests along same-origin redirects and reads the ETag, size and download location.
    /// A server that rejects HEAD (405 or 501) gets a GET whose body is dropped unread.
    func fileMetadata(_ repo: HubRepo, revisionInURL: String, path: String) throws -> FileMetadata {
        var url = endpointURL(repo.resolvePath(revision: revisionInURL, file: path))
        var method = "HEAD"
        var hops = 0
        while hops <= Self.maxRedirects {
            let response = try send(method, url, repo: repo, revision: revisionInURL, path: path, headersOnly: method == "GET")
            if method == "HEAD" && (response.status == 405 || response.status == 501) {
                method = "GET"
                continue
            }
            hops += 1
            let linkedEtag = response.header("X-Linked-Etag")
            if response.isRedirect, linkedEtag == nil, let next = redirectTarget(response), sameOrigin(next, configuration.endpoint) {
                url = next
                continue
            }
            guard response.isRedirect || response.status == 200 else {
                throw statusError(response, repo: repo, revision: revisionInURL, path: path)
            }

            guard let rawEtag = linkedEtag ?? response.header("ETag") else {
                throw HubError.invalidResponse(url: url.absoluteString, reason: "no ETag or X-Linked-Etag header for '\(path)'")
            }
            let etag = Self.normalizeEtag(rawEtag)
            guard isSafeRelativePath(etag), !etag.contains("/") else {
                throw HubError.invalidResponse(url: url.absoluteString, reason: "ETag '\(rawEtag)' cannot name a cache file")
            }
            let sizeText = response.header("X-Linked-Size") ?? (response.isRedirect ? nil : response.header("Content-Length"))
            let location = response.isRedirect ? (redirectTarget(response) ?? url) : url
            return FileMetadata(
                etag: etag, size: sizeText.flatMap { Int64($0) }, location: location, commit: response.header("X-Repo-Commit"))
        }
        throw HubError.invalidResponse(url: url.absoluteString, reason: "more than \(Self.maxRedirects) redirects")
    }

    /// Strips a weak-validator prefix and quotes, as huggingface_hub's `_normalize_etag` does.
    static func normalizeEtag(_ etag: String) -> String {
        var text = Substring(etag.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        return String(text).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    // MARK: - Requests

    func endpointURL(_ path: String) -> URL {
        URL(string: configuration.endpoint.absoluteString + "/" + path)!
    }

    /// Builds request headers; the token goes only to the endpoint's origin.
    func headers(for url: URL, extra: [String: String] = [:]) -> [String: String] {
        var headers = ["User-Agent": configuration.userAgent, "Accept-Encoding": "identity"]
        if let token = configuration.token, sameOrigin(url, configuration.endpoint) {
            headers["Authorization"] = "Bearer \(token)"
        }
        headers.merge(extra) { _, new in new }
        return headers
    }

    /// Statuses that mean "busy, try again": rate limiting and server-side failures.
    static let transientStatuses: Set<Int> = [429, 500, 502, 503, 504]

    /// Sends one request, retries transient statuses up to `maxRetries` times with a growing delay, and
    /// turns transport failures into `HubError.unreachable`.
    func send(
        _ method: String, _ url: URL, repo: HubRepo, revision: String, path: String?,
        extraHeaders: [String: String] = [:], sink: HubHTTPBodySink? = nil, headersOnly: Bool = false
    ) throws -> HubHTTPResponse {
        var attempt = 0
        while true {
            let response: HubHTTPResponse
            do {
                response = try http.send(
                    method: method, url: url, headers: headers(for: url, extra: extraHeaders), sink: sink, headersOnly: headersOnly)
            } catch let error as HubTransportError {
                throw HubError.unreachable(endpoint: Self.origin(of: url), reason: error.message)
            }
            guard Self.transientStatuses.contains(response.status), attempt < configuration.maxRetries else {
                return response
            }
            attempt += 1
            emit(.retrying(path: path ?? url.path, attempt: attempt, reason: "HTTP \(response.status)"))
            if configuration.retryDelay > 0 {
                Thread.sleep(forTimeInterval: configuration.retryDelay * Double(attempt))
            }
        }
    }

    /// Sends a GET and follows redirects; a successful final response is returned, other statuses throw.
    func get(_ url: URL, repo: HubRepo, revision: String, path: String?, followCrossOrigin: Bool) throws -> HubHTTPResponse {
        var current = url
        for _ in 0...Self.maxRedirects {
            let response = try send("GET", current, repo: repo, revision: revision, path: path)
            if response.isRedirect, let next = redirectTarget(response), followCrossOrigin || sameOrigin(next, current) {
                current = next
                continue
            }
            guard (200..<300).contains(response.status) else {
                throw statusError(response, repo: repo, revision: revision, path: path)
            }
            return response
        }
        throw HubError.invalidResponse(url: url.absoluteString, reason: "more than \(Self.maxRedirects) redirects")
    }

    func redirectTarget(_ response: HubHTTPResponse) -> URL? {
        guard let location = response.header("Location") else { return nil }
        return URL(string: location, relativeTo: response.url)?.absoluteURL
    }

    func sameOrigin(_ first: URL, _ second: URL) -> Bool {
        first.scheme?.lowercased() == second.scheme?.lowercased() && first.host?.lowercased() == second.host?.lowercased()
            && Self.port(of: first) == Self.port(of: second)
    }

    private static func port(of url: URL) -> Int? {
        url.port ?? (url.scheme?.lowercased() == "https" ? 443 : url.scheme?.lowercased() == "http" ? 80 : nil)
    }

    static func origin(of url: URL) -> String {
        var text = "\(url.scheme ?? "http")://\(url.host ?? "")"
        if let port = url.port { text += ":\(port)" }
        return text
    }

    /// Maps an unsuccessful status to the error a user can act on.
    func statusError(_ response: HubHTTPResponse, repo: HubRepo, revision: String, path: String?) -> HubError {
        let message = serverMessage(response)
        switch response.status {
        case 401, 403:
            return .unauthorized(repo: repo.description, status: response.status, serverMessage: message)
        case 404:
            // EntryNotFound names a missing file; RepoNotFound and RevisionNotFound name the repository.
            let code = response.header("X-Error-Code")
            let filePath = (code == "RepoNotFound" || code == "RevisionNotFound") ? nil : path
            return .notFound(repo: repo.description, revision: revision, path: filePath, serverMessage: message)
        default:
            return .httpStatus(url: response.url.absoluteString, status: response.status, serverMessage: message)
        }
    }

    /// Reads the Hub's X-Error-Message header, or an "error" field of a JSON body, cut to 200 characters.
    private func serverMessage(_ response: HubHTTPResponse) -> String? {
        if let header = response.header("X-Error-Message"), !header.isEmpty {
            return String(header.prefix(200))
        }
        if let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
           let error = object["error"] as? String {
            return String(error.prefix(200))
        }
        return nil
    }
}
