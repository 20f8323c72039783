import Foundation

public enum HubRepoKind: String, Sendable {
    case model
    case dataset
}

/// A Hub repository: `name` or `org/name`, with its kind.
public struct HubRepo: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    public let kind: HubRepoKind

    /// Validates `id` with the Hub's rules: one or two parts of letters, digits, `-`, `_` and `.`,
    /// no part starting or ending with `-` or `.`, no `--` or `..`, at most 96 characters.
    public init(id: String, kind: HubRepoKind) throws {
        if let problem = Self.problem(with: id) {
            throw HubError.invalidArgument(argument: id, reason: problem)
        }
        self.id = id
        self.kind = kind
    }

    public static func isValidId(_ id: String) -> Bool { problem(with: id) == nil }

    private static func problem(with id: String) -> String? {
        guard !id.isEmpty, id.count <= 96 else { return "a Hub id has 1 to 96 characters" }
        let parts = id.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return "a Hub id has at most one '/'" }
        for part in parts {
            guard !part.isEmpty else { return "a Hub id has no empty part" }
            let allowed = part.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
            }
            guard allowed else { return "a Hub id contains only letters, digits, '-', '_' and '.'" }
            guard let first = part.first, let last = part.last, !"-.".contains(first), !"-.".contains(last) else {
                return "a Hub id part starts and ends with a letter, digit or '_'"
            }
        }
        guard !id.contains("--"), !id.contains("..") else { return "a Hub id contains no '--' or '..'" }
        return nil
    }

    /// The cache folder name, as huggingface_hub's `repo_folder_name` builds it: `models--org--name`.
    public var cacheFolderName: String {
        (["\(kind.rawValue)s"] + id.split(separator: "/").map(String.init)).joined(separator: "--")
    }

    /// The URL path prefix of files: `org/name` for models, `datasets/org/name` for data sets.
    var urlPrefix: String { kind == .dataset ? "datasets/\(id)" : id }

    /// Builds the URL path of the revision endpoint that lists files and the commit sha.
    func revisionAPIPath(_ revision: String) -> String {
        "api/\(kind.rawValue)s/\(id)/revision/\(percentEncode(revision, keepSlash: false))"
    }

    /// Builds the URL path that serves one file at a revision.
    func resolvePath(revision: String, file: String) -> String {
        "\(urlPrefix)/resolve/\(percentEncode(revision, keepSlash: false))/\(percentEncode(file, keepSlash: true))"
    }

    public var description: String { kind == .dataset ? "data set '\(id)'" : "model '\(id)'" }
}

/// Percent-encodes everything but unreserved characters (and `/` when `keepSlash`), like Python's
/// `urllib.parse.quote(text, safe="/")` or `safe=""`.
func percentEncode(_ text: String, keepSlash: Bool) -> String {
    var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
    if keepSlash { allowed.insert("/") }
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}

/// Checks a repository-relative path from the Hub or a card before it becomes a cache path:
/// no absolute paths, no `.` or `..` parts, no empty parts, no backslashes or NUL.
func isSafeRelativePath(_ path: String) -> Bool {
    guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
    return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { part in
        !part.isEmpty && part != "." && part != ".."
    }
}

/// Checks that a revision can name a file under `refs/` (branch, tag, `refs/pr/N` or commit sha).
func isSafeRevision(_ revision: String) -> Bool {
    isSafeRelativePath(revision)
}

/// Checks whether `text` is a full 40-character lowercase hex commit sha.
func isCommitHash(_ text: String) -> Bool {
    text.utf8.count == 40 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
}
