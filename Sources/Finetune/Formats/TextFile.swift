import Foundation

/// The bytes of a UTF-8 text file, checked and cut into physical lines.
///
/// A line ends at `\n`, `\r\n` or a lone `\r`. A leading UTF-8 byte order mark is skipped.
/// Lines after the last one with content (anything but spaces and tabs) are trailing and
/// belong to no record, so a file may end in any number of empty lines.
struct TextFile {
    let path: String
    /// The file's bytes without the byte order mark.
    let bytes: [UInt8]
    /// Byte ranges of the lines in `bytes`, without their terminators. Index i is line i + 1.
    let lines: [Range<Int>]
    /// The number of lines up to and including the last one with content.
    let contentLineCount: Int

    /// Reads and checks the file at `url`.
    ///
    /// Throws `DatasetError.fileUnreadable`, or `.invalidUTF8` naming the first bad line.
    static func read(_ url: URL) throws -> TextFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw DatasetError.fileUnreadable(path: url.path, reason: error.localizedDescription)
        }
        return try TextFile(bytes: [UInt8](data), path: url.path)
    }

    init(bytes rawBytes: [UInt8], path: String) throws {
        let hasBOM = rawBytes.starts(with: [0xEF, 0xBB, 0xBF])
        let bytes = hasBOM ? Array(rawBytes.dropFirst(3)) : rawBytes
        let lines = TextFile.splitLines(bytes)

        // Validate the whole file at once; only on failure look for the line. UTF-8
        // continuation bytes are never \n or \r, so a line cut never splits a valid sequence.
        if String(validating: bytes, as: UTF8.self) == nil {
            let bad = lines.firstIndex { String(validating: bytes[$0], as: UTF8.self) == nil } ?? 0
            throw DatasetError.invalidUTF8(FileLocation(path: path, line: bad + 1))
        }

        let lastContent = lines.lastIndex { !TextFile.isBlank(bytes[$0]) }
        self.path = path
        self.bytes = bytes
        self.lines = lines
        contentLineCount = lastContent.map { $0 + 1 } ?? 0
    }

    /// Returns the text of line `index` (0-based), without its terminator.
    func text(ofLine index: Int) -> String {
        String(decoding: bytes[lines[index]], as: UTF8.self)
    }

    func location(ofLine index: Int) -> FileLocation {
        FileLocation(path: path, line: index + 1)
    }

    /// Returns whether `bytes` is empty or contains only spaces and tabs.
    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    private static func splitLines(_ bytes: [UInt8]) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                lines.append(start..<i)
                let isCRLF = byte == UInt8(ascii: "\r") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\n")
                i += isCRLF ? 2 : 1
                start = i
            } else {
                i += 1
            }
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        return lines
    }
}
