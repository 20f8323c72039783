// Matching a data set's files to splits, the way the `datasets` library does it:
// - card patterns are globs relative to the repository root (or `data_dir`): `*` and `?` stay inside one
//   folder, `**` spans folders, `[abc]` matches one listed character
// - without patterns, a split comes from a keyword in the file name (train/training,
//   validation/valid/dev/val, test/testing/eval/evaluation) between separators (- . _ space digits).
//   Failing that, it comes from a folder name, and failing that every data file is the train split.
// Files and folders whose names start with "." or "__" are skipped unless a pattern names them.

enum DataFileMatcher {
    /// File extensions that the data set readers open.
    static let dataExtensions: Set<String> = ["parquet", "csv", "tsv", "json", "jsonl", "txt"]

    static let splitKeywords: [(split: String, keywords: [String])] = [
        ("train", ["train", "training"]),
        ("validation", ["validation", "valid", "dev", "val"]),
        ("test", ["test", "testing", "eval", "evaluation"]),
    ]

    /// Returns the files that match any of `patterns`, relative to `base`, sorted.
    static func resolve(patterns: [String], base: String?, files: [String]) -> [String] {
        let prefix = base.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
        var matched = Set<String>()
        for rawPattern in patterns {
            var pattern = rawPattern
            while pattern.hasPrefix("./") { pattern.removeFirst(2) }
            let full = prefix + pattern
            let allowsHidden = full.split(separator: "/").contains { $0.hasPrefix(".") || $0.hasPrefix("__") }
            for file in files where allowsHidden || !isHidden(file) {
                // A pattern without wildcards may name a folder, which stands for every file below it.
                if globMatches(Array(full), Array(file)) || (!hasWildcard(full) && file.hasPrefix(full + "/")) {
                    matched.insert(file)
                }
            }
        }
        return matched.sorted()
    }

    /// Assigns data files below `base` to splits by keywords in file names, then folder names.
    static func inferSplits(files: [String], base: String?) -> [(split: String, files: [String])] {
        let prefix = base.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
        let candidates = files.filter { file in
            file.hasPrefix(prefix) && !isHidden(file) && dataExtensions.contains(fileExtension(file))
        }.sorted()
        guard !candidates.isEmpty else { return [] }

        let byFileName = assign(candidates) { file in [String(file.split(separator: "/").last ?? "")] }
        if !byFileName.isEmpty { return byFileName }
        let byFolder = assign(candidates) { file in file.dropFirst(prefix.count).split(separator: "/").dropLast().map(String.init) }
        if !byFolder.isEmpty { return byFolder }
        return [("train", candidates)]
    }

    /// Groups files by the first split whose keyword appears as a word in `names(file)`.
    private static func assign(_ files: [String], names: (String) -> [String]) -> [(split: String, files: [String])] {
        var result: [(split: String, files: [String])] = []
        for (split, keywords) in splitKeywords {
            let matching = files.filter { file in
                names(file).contains { name in
                    let words = name.lowercased().split { "-._ 0123456789".contains($0) }.map(String.init)
                    return words.contains { keywords.contains($0) }
                }
            }
            // A file joins only its first matching split, as in train_test.csv -> train.
            let assigned = Set(result.flatMap(\.files))
            let fresh = matching.filter { !assigned.contains($0) }
            if !fresh.isEmpty { result.append((split, fresh)) }
        }
        return result
    }

    static func isHidden(_ path: String) -> Bool {
        path.split(separator: "/").contains { $0.hasPrefix(".") || $0.hasPrefix("__") }
    }

    static func fileExtension(_ path: String) -> String {
        guard let name = path.split(separator: "/").last, let dot = name.lastIndex(of: ".") else { return "" }
        return name[name.index(after: dot)...].lowercased()
    }

    private static func hasWildcard(_ pattern: String) -> Bool {
        pattern.contains { "*?[".contains($0) }
    }

    /// Matches a glob against a path: `*` and `?` never cross "/", `**` does, `**/` may match nothing.
    static func globMatches(_ pattern: [Character], _ path: [Character]) -> Bool {
        var memo = [Int: Bool]()
        func match(_ p: Int, _ s: Int) -> Bool {
            let key = p * (path.count + 1) + s
            if let known = memo[key] { return known }
            let result: Bool
            if p == pattern.count {
                result = s == path.count
            } else if pattern[p] == "*" && p + 1 < pattern.count && pattern[p + 1] == "*" {
                let afterStars = p + 2
                var found = false
                if afterStars < pattern.count && pattern[afterStars] == "/" {
                    // `**/`: zero or more whole folders.
                    found = match(afterStars + 1, s)
                    var index = s
                    while !found && index < path.count {
                        if path[index] == "/" { found = match(afterStars + 1, index + 1) }
                        index += 1
                    }
                } else {
                    // `**` elsewhere: any run of characters, "/" included.
                    var index = s
                    while !found && index <= path.count {
                        found = match(afterStars, index)
                        index += 1
                    }
                }
                result = found
            } else if pattern[p] == "*" {
                var found = match(p + 1, s)
                var index = s
                while !found && index < path.count && path[index] != "/" {
                    index += 1
                    found = match(p + 1, index)
                }
                result = found
            } else if s == path.count {
                result = false
            } else if pattern[p] == "?" {
                result = path[s] != "/" && match(p + 1, s + 1)
            } else if pattern[p] == "[", let close = pattern[(p + 1)...].firstIndex(of: "]") {
                var members = Array(pattern[(p + 1)..<close])
                let negated = members.first == "!" || members.first == "^"
                if negated { members.removeFirst() }
                let inClass = classContains(members, path[s])
                result = path[s] != "/" && inClass != negated && match(close + 1, s + 1)
            } else {
                result = pattern[p] == path[s] && match(p + 1, s + 1)
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    private static func classContains(_ members: [Character], _ character: Character) -> Bool {
        var index = 0
        while index < members.count {
            if index + 2 < members.count && members[index + 1] == "-" {
                if members[index] <= character && character <= members[index + 2] { return true }
                index += 3
            } else {
                if members[index] == character { return true }
                index += 1
            }
        }
        return false
    }
}
