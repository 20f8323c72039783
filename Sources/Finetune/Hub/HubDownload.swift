// Downloading one blob: resume from blobs/<etag>.incomplete with a Range request, retry dropped
// connections, verify the size and (for Git LFS files, whose ETag is a SHA-256) the digest, then rename
// the file into place. The caller holds the blob's lock.

import Foundation

extension HubClient {
    func fetchBlob(_ repo: HubRepo, commit: String, path: String, metadata: FileMetadata) throws {
        let incomplete = cache.incompleteBlobURL(repo, etag: metadata.etag)
        let blob = cache.blobURL(repo, etag: metadata.etag)
        if !cache.fileExists(incomplete) {
            guard FileManager.default.createFile(atPath: incomplete.path, contents: nil) else {
                throw HubError.fileSystem(path: incomplete.path, reason: "cannot create the file")
            }
        }
        let handle: FileHandle
        do {
            handle = try FileHandle(forUpdating: incomplete)
        } catch {
            throw HubError.fileSystem(path: incomplete.path, reason: error.localizedDescription)
        }
        defer { try? handle.close() }

        let writer = BlobWriter(handle: handle, path: path, totalBytes: metadata.size, onEvent: { [weak self] in self?.emit($0) })
        try receive(repo, commit: commit, path: path, metadata: metadata, writer: writer)
        try verify(incomplete, path: path, metadata: metadata)

        guard rename(incomplete.path, blob.path) == 0 else {
            throw HubError.fileSystem(path: blob.path, reason: "rename failed: \(String(cString: strerror(errno)))")
        }
        emit(.downloadFinished(path: path, bytes: writer.offset))
    }

    /// Runs GET attempts until the partial file contains the whole body.
    private func receive(_ repo: HubRepo, commit: String, path: String, metadata: FileMetadata, writer: BlobWriter) throws {
        // Attempts in a row that received nothing. Progress resets the count, as huggingface_hub's
        // http_get does, so a long download survives many separate drops.
        var attemptsWithoutProgress = 0
        var retries = 0
        while true {
            let offset = try writer.prepare()
            if let size = metadata.size {
                if offset == size { return }
                if offset > size { try writer.truncate() }
            }
            emit(.downloadStarted(path: path, totalBytes: metadata.size, resumedFrom: writer.offset))

            let receivedBefore = writer.receivedBytes
            let reason: String
            do {
                if try getBody(repo, commit: commit, path: path, metadata: metadata, writer: writer) { return }
                reason = "the body ended early"
            } catch let error as HubTransportError {
                reason = error.message
            }

            attemptsWithoutProgress = writer.receivedBytes > receivedBefore ? 0 : attemptsWithoutProgress + 1
            if attemptsWithoutProgress > configuration.maxRetries {
                throw HubError.unreachable(
                    endpoint: Self.origin(of: metadata.location), reason: "\(reason) while downloading '\(path)'")
            }
            retries += 1
            emit(.retrying(path: path, attempt: retries, reason: reason))
            if configuration.retryDelay > 0 {
                Thread.sleep(forTimeInterval: configuration.retryDelay)
            }
        }
    }

    /// Sends one GET for the rest of the body and follows redirects. Returns whether the body is complete.
    /// Transport failures throw `HubTransportError` so that the caller can retry.
    private func getBody(_ repo: HubRepo, commit: String, path: String, metadata: FileMetadata, writer: BlobWriter) throws -> Bool {
        var url = metadata.location
        for _ in 0...10 {
            let extra = writer.offset > 0 ? ["Range": "bytes=\(writer.offset)-"] : [:]
            let response = try http.send(method: "GET", url: url, headers: headers(for: url, extra: extra), sink: writer)
            if response.isRedirect, let next = redirectTarget(response) {
                url = next
                continue
            }
            if response.status == 416 {
                // The server has nothing past our offset, so the partial file is not a prefix of this blob.
                try writer.truncate()
                return false
            }
            if response.status == 206 && !writer.acceptedRange {
                throw HubError.invalidResponse(
                    url: url.absoluteString,
                    reason: "the partial response starts at '\(response.header("Content-Range") ?? "?")' instead of byte \(writer.offset)")
            }
            guard response.status == 200 || response.status == 206 else {
                throw statusError(response, repo: repo, revision: commit, path: path)
            }
            writer.finishProgress()
            guard let size = metadata.size else { return true }
            if writer.offset > size {
                try? writer.truncate()
                throw HubError.integrityCheckFailed(path: path, expected: "\(size) bytes", actual: "more bytes")
            }
            return writer.offset == size
        }
        throw HubError.invalidResponse(url: url.absoluteString, reason: "more than 10 redirects")
    }

    /// Checks the size and, where the ETag is a SHA-256, the digest; removes the file on a mismatch.
    private func verify(_ incomplete: URL, path: String, metadata: FileMetadata) throws {
        if let size = metadata.size {
            let actual = (try? FileManager.default.attributesOfItem(atPath: incomplete.path)[.size] as? Int64) ?? nil
            if actual != size {
                try? FileManager.default.removeItem(at: incomplete)
                throw HubError.integrityCheckFailed(path: path, expected: "\(size) bytes", actual: "\(actual.map(String.init) ?? "?") bytes")
            }
        }
        let etag = metadata.etag.lowercased()
        guard etag.count == 64, etag.allSatisfy(\.isHexDigit) else { return }
        let digest: String
        do {
            digest = try SHA256.hexDigest(ofFile: incomplete)
        } catch {
            throw HubError.fileSystem(path: incomplete.path, reason: error.localizedDescription)
        }
        if digest != etag {
            try? FileManager.default.removeItem(at: incomplete)
            throw HubError.integrityCheckFailed(path: path, expected: "SHA-256 \(etag)", actual: "SHA-256 \(digest)")
        }
    }
}

/// Streams a response body into the partial blob and reports progress.
final class BlobWriter: HubHTTPBodySink, @unchecked Sendable {
    private let handle: FileHandle
    private let path: String
    private let totalBytes: Int64?
    private let onEvent: HubEventHandler
    /// Bytes in the partial file.
    private(set) var offset: Int64 = 0
    /// Bytes received over all attempts, including ones discarded by a restart.
    private(set) var receivedBytes: Int64 = 0
    /// Whether the last 206 response started at `offset`.
    private(set) var acceptedRange = false
    private var lastReport = Date.distantPast

    init(handle: FileHandle, path: String, totalBytes: Int64?, onEvent: @escaping HubEventHandler) {
        self.handle = handle
        self.path = path
        self.totalBytes = totalBytes
        self.onEvent = onEvent
    }

    /// Moves to the end of the partial file and returns its size.
    func prepare() throws -> Int64 {
        offset = Int64(try handle.seekToEnd())
        acceptedRange = false
        return offset
    }

    func truncate() throws {
        try handle.truncate(atOffset: 0)
        offset = 0
    }

    func shouldStream(_ response: HubHTTPResponse) -> Bool {
        switch response.status {
        case 200:
            // A full body: the server ignored or was not sent a Range header, so start over.
            do {
                try truncate()
            } catch {
                return false
            }
            return true
        case 206:
            acceptedRange = Self.rangeStart(response.header("Content-Range")) == offset
            return acceptedRange
        default:
            return false
        }
    }

    func write(_ data: Data) throws {
        try handle.write(contentsOf: data)
        offset += Int64(data.count)
        receivedBytes += Int64(data.count)
        let now = Date()
        if now.timeIntervalSince(lastReport) >= 0.1 {
            lastReport = now
            onEvent(.downloadProgress(path: path, completedBytes: offset, totalBytes: totalBytes))
        }
    }

    /// Reports the final byte count once the body is complete.
    func finishProgress() {
        onEvent(.downloadProgress(path: path, completedBytes: offset, totalBytes: totalBytes))
    }

    /// Parses the first byte of `Content-Range: bytes START-END/TOTAL`.
    static func rangeStart(_ header: String?) -> Int64? {
        guard let header, header.lowercased().hasPrefix("bytes ") else { return nil }
        let range = header.dropFirst(6)
        guard let dash = range.firstIndex(of: "-") else { return nil }
        return Int64(range[..<dash].trimmingCharacters(in: .whitespaces))
    }
}
