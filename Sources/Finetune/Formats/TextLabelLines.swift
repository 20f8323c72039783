import Foundation

/// Reader for `text;label` lines, one example per line.
///
/// The line is split at its last `;`, so texts may contain `;` but labels may not. The label
/// loses surrounding whitespace; the text is kept as written. An empty label is `.missing`.
public enum TextLabelLines {
    /// Reads every example of the file at `url`.
    ///
    /// Throws `DatasetError` naming the line for invalid UTF-8, an empty line before the end
    /// of the file, or a line without `;`.
    public static func read(url: URL) throws -> [DatasetRecord] {
        try parse(TextFile.read(url))
    }

    /// Reads one text per line with no label, the input format of prediction.
    ///
    /// Every line up to the last non-empty one is a text, so an empty line in between is an
    /// error rather than an empty text.
    public static func readTexts(url: URL) throws -> [DatasetRecord] {
        let file = try TextFile.read(url)
        return try (0..<file.contentLineCount).map { index in
            guard !TextFile.isBlank(file.bytes[file.lines[index]]) else {
                throw DatasetError.emptyLine(file.location(ofLine: index))
            }
            return DatasetRecord(text: file.text(ofLine: index), label: .missing, location: file.location(ofLine: index))
        }
    }

    static func parse(_ file: TextFile) throws -> [DatasetRecord] {
        var records: [DatasetRecord] = []
        records.reserveCapacity(file.contentLineCount)
        for index in 0..<file.contentLineCount {
            let line = file.bytes[file.lines[index]]
            let location = file.location(ofLine: index)
            guard !TextFile.isBlank(line) else { throw DatasetError.emptyLine(location) }
            guard let separator = line.lastIndex(of: UInt8(ascii: ";")) else {
                throw DatasetError.missingSeparator(location)
            }
            let text = String(decoding: line[..<separator], as: UTF8.self)
            let label = String(decoding: line[(separator + 1)...], as: UTF8.self)
            records.append(DatasetRecord(text: text, label: RawLabel(cell: label), location: location))
        }
        return records
    }
}
