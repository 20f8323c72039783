// The huggingface_hub cache layout, shared with Python tools in both directions:
//
//   <cache>/models--org--name/
//       blobs/<etag>                      file contents, named by ETag (SHA-256 for Git LFS files)
//       blobs/<etag>.incomplete           a download in progress, resumed with an HTTP Range request
//       refs/<revision>                   the commit sha that a branch or tag pointed to
//       snapshots/<commit>/<path>         relative symlinks to ../../blobs/<etag> (one more ../ per folder)
//   <cache>/.locks/models--org--name/<etag>.lock   flock(2) lock held while a blob is written
//
// Data sets use `datasets--org--name`.

import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public struct HubCache: Sendable {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public func repoFolder(_ repo: HubRepo) -> URL {
        root.appendingPathComponent(repo.cacheFolderName, isDirectory: true)
    }

    public func snapshotFolder(_ repo: HubRepo, commit: String) -> URL {
        repoFolder(repo).appendingPathComponent("snapshots/\(commit)", isDirectory: true)
    }

    func blobURL(_ repo: HubRepo, etag: String) -> URL {
        repoFolder(repo).appendingPathComponent("blobs/\(etag)")
    }

    func incompleteBlobURL(_ repo: HubRepo, etag: String) -> URL {
        repoFolder(repo).appendingPathComponent("blobs/\(etag).incomplete")
    }

    func lockURL(_ repo: HubRepo, etag: String) -> URL {
        root.appendingPathComponent(".locks/\(repo.cacheFolderName)/\(etag).lock")
    }

    // MARK: - Refs

    /// Returns the commit that `revision` resolves to in the cache: the revision itself when it is a commit
    /// sha with a snapshot folder, else the content of refs/<revision>.
    public func cachedCommit(_ repo: HubRepo, revision: String) -> String? {
        if isCommitHash(revision), directoryExists(snapshotFolder(repo, commit: revision)) {
            return revision
        }
        guard isSafeRevision(revision) else { return nil }
        let refURL = repoFolder(repo).appendingPathComponent("refs/\(revision)")
        guard let text = try? String(contentsOf: refURL, encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return isCommitHash(commit) ? commit : nil
    }

    /// Records that `revision` points to `commit`, unless the revision is the commit itself.
    /// Writes the sha without a newline, as huggingface_hub does, through a temporary file and a rename.
    func writeRef(_ repo: HubRepo, revision: String, commit: String) throws {
        guard revision != commit else { return }
        let refURL = repoFolder(repo).appendingPathComponent("refs/\(revision)")
        if let existing = try? String(contentsOf: refURL, encoding: .utf8), existing == commit { return }
        try writeAtomically(Data(commit.utf8), to: refURL)
    }

    // MARK: - Snapshots

    /// Points snapshots/<commit>/<path> at blobs/<etag> with a relative symlink, replacing any existing link.
    func linkSnapshotFile(_ repo: HubRepo, commit: String, path: String, etag: String) throws {
        let linkURL = snapshotFolder(repo, commit: commit).appendingPathComponent(path)
        let folder = linkURL.deletingLastPathComponent()
        try createDirectory(folder)

        // From snapshots/<commit>/a/b/file, the blob is ../../../../blobs/<etag>: one "../" per folder below the repo folder.
        let depth = 2 + path.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth) + "blobs/\(etag)"

        let temporary = folder.appendingPathComponent(".\(linkURL.lastPathComponent).\(UUID().uuidString).link")
        guard symlink(target, temporary.path) == 0 else {
            throw HubError.fileSystem(path: temporary.path, reason: "symlink failed: \(String(cString: strerror(errno)))")
        }
        guard rename(temporary.path, linkURL.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw HubError.fileSystem(path: linkURL.path, reason: "rename failed: \(reason)")
        }
    }

    /// Lists the files of a snapshot folder as repository-relative paths, sorted, skipping broken links.
    func listSnapshotFiles(_ folder: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            var isDirectory: ObjCBool = false
            // fileExists follows symlinks, so a link to a missing blob is skipped.
            if FileManager.default.fileExists(atPath: folder.appendingPathComponent(relative).path, isDirectory: &isDirectory),
               !isDirectory.boolValue {
                files.append(relative)
            }
        }
        return files.sorted()
    }

    // MARK: - Files and locks

    func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw HubError.fileSystem(path: url.path, reason: error.localizedDescription)
        }
    }

    /// Writes `data` to a temporary file beside `url`, then renames it into place.
    func writeAtomically(_ data: Data, to url: URL) throws {
        try createDirectory(url.deletingLastPathComponent())
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try data.write(to: temporary)
        } catch {
            throw HubError.fileSystem(path: temporary.path, reason: error.localizedDescription)
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw HubError.fileSystem(path: url.path, reason: "rename failed: \(reason)")
        }
    }

    /// Takes an exclusive flock(2) on the blob's lock file, the same lock file and call that Python's
    /// `filelock` uses in huggingface_hub, and runs `body` while holding it.
    func withBlobLock<Result>(_ repo: HubRepo, etag: String, _ body: () throws -> Result) throws -> Result {
        let lockURL = lockURL(repo, etag: etag)
        try createDirectory(lockURL.deletingLastPathComponent())
        let descriptor = open(lockURL.path, O_RDWR | O_CREAT, 0o644)
        guard descriptor >= 0 else {
            throw HubError.fileSystem(path: lockURL.path, reason: "open failed: \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                throw HubError.fileSystem(path: lockURL.path, reason: "flock failed: \(String(cString: strerror(errno)))")
            }
        }
        defer { flock(descriptor, LOCK_UN) }
        return try body()
    }

    func fileExists(_ url: URL) -> Bool {
        FileManager.default.fileExists(atPath: url.path)
    }

    func directoryExists(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
