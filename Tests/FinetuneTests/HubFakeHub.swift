// A stand-in for the Hugging Face Hub on 127.0.0.1, speaking the subset of its protocol that the client
// uses: the revision API, /resolve/ with ETag headers, and Git LFS files redirected to a second server
// (the "CDN", on another port, so another origin) with X-Linked-Etag and X-Linked-Size.

import Foundation
import Finetune

final class FakeHub: @unchecked Sendable {
    struct Repo {
        var commit: String
        var files: [String: [UInt8]]
        /// Files stored in Git LFS: served through the CDN redirect, ETag = SHA-256.
        var lfs: Set<String> = []
        var requiresToken = false
        /// Names the revision API lists but /resolve/ rejects with 404.
        var listedOnly: Set<String> = []
    }

    static let token = "hf_test_token_123"

    private let lock = NSLock()
    private var repos: [String: Repo] = [:]
    /// Bytes to send of the next GET of an LFS blob (by SHA-256) before dropping the connection.
    private var cuts: [String: [Int]] = [:]
    /// LFS blobs served with one flipped byte.
    private var corrupted: Set<String> = []
    private var blobs: [String: [UInt8]] = [:]
    /// Simplifications of a bare-bones stand-in: HEAD answered with 501, /resolve/ by branch name only.
    private var rejectsHead = false
    /// Statuses to return, one per request, before serving the revision API normally.
    private var apiFailures: [Int] = []
    private var resolvesBranchOnly = false

    private(set) var hub: TestHTTPServer!
    private(set) var cdn: TestHTTPServer!

    init() throws {
        hub = try TestHTTPServer { [unowned self] request in self.handleHub(request) }
        cdn = try TestHTTPServer { [unowned self] request in self.handleCDN(request) }
    }

    func stop() {
        hub.stop()
        cdn.stop()
    }

    /// Adds a repository under "models/<id>" or "datasets/<id>".
    func add(_ kind: String, _ id: String, _ repo: Repo) {
        lock.lock()
        defer { lock.unlock() }
        repos["\(kind)/\(id)"] = repo
        for path in repo.lfs {
            if let bytes = repo.files[path] { blobs[SHA256.hexDigest(bytes)] = bytes }
        }
    }

    /// Drops the connection after `bytes` body bytes on each of the next GETs of `content` from the CDN.
    func cutDownloads(of content: [UInt8], after bytes: [Int]) {
        lock.lock()
        defer { lock.unlock() }
        cuts[SHA256.hexDigest(content)] = bytes
    }

    func failRevisionAPI(with statuses: [Int]) {
        lock.lock()
        defer { lock.unlock() }
        apiFailures = statuses
    }

    /// Makes the Hub reply 501 to HEAD and serve /resolve/ only for "main", not for commit shas.
    func behaveLikeMinimalServer() {
        lock.lock()
        defer { lock.unlock() }
        rejectsHead = true
        resolvesBranchOnly = true
    }

    func corrupt(_ content: [UInt8]) {
        lock.lock()
        defer { lock.unlock() }
        corrupted.insert(SHA256.hexDigest(content))
    }

    /// The fake git blob id of a non-LFS file (the real Hub uses the git SHA-1; any stable 40-hex id will do).
    static func gitEtag(_ bytes: [UInt8]) -> String {
        String(SHA256.hexDigest(Array("blob".utf8) + bytes).prefix(40))
    }

    // MARK: - Hub

    private func handleHub(_ request: TestHTTPRequest) -> TestHTTPResponse {
        let path = request.path.removingPercentEncoding ?? request.path
        if path.hasPrefix("/api/") {
            return handleRevisionAPI(request, path: path)
        }
        guard let resolve = path.range(of: "/resolve/") else { return .text(404, "no route") }

        var repoKey = String(path[path.index(after: path.startIndex)..<resolve.lowerBound])
        repoKey = repoKey.hasPrefix("datasets/") ? repoKey : "models/" + repoKey
        let rest = path[resolve.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return .text(404, "no file") }
        let revision = String(rest[..<slash])
        let file = String(rest[rest.index(after: slash)...])

        lock.lock()
        let found = repos[repoKey]
        let minimalHead = rejectsHead
        let branchOnly = resolvesBranchOnly
        lock.unlock()
        if minimalHead && request.method == "HEAD" { return .text(501, "Unsupported method ('HEAD')") }
        guard let repo = found else { return notFound("RepoNotFound", "Repository not found") }
        if let denied = checkToken(request, repo) { return denied }
        guard revision == "main" || (revision == repo.commit && !branchOnly) else {
            return branchOnly ? .text(404, "not found") : notFound("RevisionNotFound", "Invalid rev id")
        }
        guard let bytes = repo.files[file] else { return notFound("EntryNotFound", "Entry not found") }

        if repo.lfs.contains(file) {
            let sha = SHA256.hexDigest(bytes)
            return TestHTTPResponse(status: 302, headers: [
                ("Location", "\(cdn.baseURL.absoluteString)/lfs/\(sha)?signature=abc"),
                ("X-Linked-Etag", "\"\(sha)\""),
                ("X-Linked-Size", "\(bytes.count)"),
                ("X-Repo-Commit", repo.commit),
                ("ETag", "\"\(Self.gitEtag(Array(sha.utf8)))\""),
            ])
        }
        var response = Self.ranged(request, bytes)
        response.headers += [("ETag", "\"\(Self.gitEtag(bytes))\""), ("X-Repo-Commit", repo.commit)]
        return response
    }

    private func handleRevisionAPI(_ request: TestHTTPRequest, path: String) -> TestHTTPResponse {
        guard let marker = path.range(of: "/revision/") else { return .text(404, "no route") }
        let repoKey = String(path[path.index(path.startIndex, offsetBy: 5)..<marker.lowerBound])
        let revision = String(path[marker.upperBound...])
        lock.lock()
        let found = repos[repoKey]
        let failure = apiFailures.isEmpty ? nil : apiFailures.removeFirst()
        lock.unlock()
        if let failure { return .text(failure, "{\"error\":\"busy\"}") }
        guard let repo = found else { return notFound("RepoNotFound", "Repository not found") }
        if let denied = checkToken(request, repo) { return denied }
        guard revision == "main" || revision == repo.commit else { return notFound("RevisionNotFound", "Invalid rev id: \(revision)") }

        let siblings = Set(repo.files.keys).union(repo.listedOnly).sorted().map { ["rfilename": $0] }
        let object: [String: Any] = ["id": repoKey, "sha": repo.commit, "siblings": siblings, "private": repo.requiresToken]
        let body = try! JSONSerialization.data(withJSONObject: object)
        return TestHTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: [UInt8](body))
    }

    private func checkToken(_ request: TestHTTPRequest, _ repo: Repo) -> TestHTTPResponse? {
        guard repo.requiresToken, request.headers["authorization"] != "Bearer \(Self.token)" else { return nil }
        return .text(401, "{\"error\":\"Invalid credentials\"}", headers: [("X-Error-Code", "RepoNotFound"), ("X-Error-Message", "Invalid credentials in Authorization header")])
    }

    private func notFound(_ code: String, _ message: String) -> TestHTTPResponse {
        .text(404, "{\"error\":\"\(message)\"}", headers: [("X-Error-Code", code), ("X-Error-Message", message)])
    }

    // MARK: - CDN

    private func handleCDN(_ request: TestHTTPRequest) -> TestHTTPResponse {
        guard request.path.hasPrefix("/lfs/") else { return .text(404, "no route") }
        let sha = String(request.path.dropFirst(5))
        lock.lock()
        var bytes = blobs[sha]
        var cut: Int?
        if request.method == "GET", var pending = cuts[sha], !pending.isEmpty {
            cut = pending.removeFirst()
            cuts[sha] = pending
        }
        if corrupted.contains(sha), bytes != nil, !bytes!.isEmpty {
            bytes![bytes!.count / 2] ^= 0xff
        }
        lock.unlock()
        guard let bytes else { return .text(404, "no blob") }
        var response = Self.ranged(request, bytes)
        if let cut { response.cutAfter = cut }
        return response
    }

    /// Serves `bytes`, or the part that a `Range: bytes=N-` header requests.
    static func ranged(_ request: TestHTTPRequest, _ bytes: [UInt8]) -> TestHTTPResponse {
        guard let range = request.headers["range"], range.hasPrefix("bytes="), range.hasSuffix("-"),
              let start = Int(range.dropFirst(6).dropLast())
        else {
            return TestHTTPResponse(status: 200, headers: [("Accept-Ranges", "bytes")], body: bytes)
        }
        guard start < bytes.count else {
            return TestHTTPResponse(status: 416, headers: [("Content-Range", "bytes */\(bytes.count)")])
        }
        return TestHTTPResponse(
            status: 206, headers: [("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)")],
            body: Array(bytes[start...]))
    }
}
