import Foundation

/// Reader for comma- and tab-separated files with RFC 4180 quoting.
///
/// A field that starts with `"` is quoted: it may contain the delimiter, line breaks (kept
/// as written) and `""` for one quote, and its closing quote must be followed by the
/// delimiter or the end of the row. A quote inside an unquoted field is kept as a literal
/// character. Rows end at `\n`, `\r\n` or a lone `\r`. The same rules apply to TSV.
public enum CSV {
    /// One parsed row and the line it starts on (1-based).
    public struct Row: Sendable, Equatable {
        public var cells: [String]
        public var line: Int

        public init(cells: [String], line: Int) {
            self.cells = cells
            self.line = line
        }
    }

    /// Header cells recognised without `--text-column`, compared case-insensitively, in order.
    public static let commonTextNames = ["text", "sentence"]
    /// Header cells recognised without `--label-column`, compared case-insensitively, in order.
    public static let commonLabelNames = ["label", "labels"]

    /// Reads the rows of the file at `url`, including a header row if there is one.
    ///
    /// Empty rows after the last row with content are dropped. Throws `DatasetError` naming
    /// the line for invalid UTF-8, an empty row before the end, an unterminated quoted
    /// field, or text after a closing quote.
    public static func readRows(url: URL, delimiter: UInt8 = UInt8(ascii: ",")) throws -> [Row] {
        try parseRows(TextFile.read(url), delimiter: delimiter)
    }

    /// Reads the examples of the file at `url`.
    ///
    /// The first row is a header when one of its cells equals a column name passed by name,
    /// or, ignoring case, one of `commonTextNames` or `commonLabelNames`. With a header, the
    /// text column defaults to the first cell named `text`, else `sentence`, else column 0,
    /// and the label column to the first cell named `label`, else `labels`, else the last
    /// column. Without a header, the text is column 0 and the label the last column unless
    /// given by index. Every row must have as many cells as the first.
    public static func read(
        url: URL, delimiter: UInt8 = UInt8(ascii: ","),
        textColumn: ColumnSelector? = nil, labelColumn: ColumnSelector? = nil
    ) throws -> [DatasetRecord] {
        let file = try TextFile.read(url)
        let rows = try parseRows(file, delimiter: delimiter)
        guard let first = rows.first else { return [] }

        let hasHeader = isHeader(first.cells, textColumn: textColumn, labelColumn: labelColumn)
        let textIndex = try columnIndex(
            textColumn, defaultNames: commonTextNames, fallback: 0,
            row: first.cells, hasHeader: hasHeader, path: file.path)
        let labelIndex = try columnIndex(
            labelColumn, defaultNames: commonLabelNames, fallback: first.cells.count - 1,
            row: first.cells, hasHeader: hasHeader, path: file.path)
        guard textIndex != labelIndex else {
            throw DatasetError.sameTextAndLabelColumn(path: file.path, column: textIndex)
        }

        var records: [DatasetRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows.dropFirst(hasHeader ? 1 : 0) {
            let location = FileLocation(path: file.path, line: row.line)
            guard row.cells.count == first.cells.count else {
                throw DatasetError.columnCountMismatch(location, expected: first.cells.count, found: row.cells.count)
            }
            records.append(DatasetRecord(text: row.cells[textIndex], label: RawLabel(cell: row.cells[labelIndex]), location: location))
        }
        return records
    }

    // MARK: - Columns

    static func isHeader(_ cells: [String], textColumn: ColumnSelector?, labelColumn: ColumnSelector?) -> Bool {
        let trimmed = cells.map { $0.trimmingCharacters(in: .whitespaces) }
        for case let .name(name) in [textColumn, labelColumn] where trimmed.contains(name) {
            return true
        }
        let common = Set(commonTextNames + commonLabelNames)
        return trimmed.contains { common.contains($0.lowercased()) }
    }

    /// Resolves a column selector against the first row (the header when `hasHeader`).
    static func columnIndex(
        _ selector: ColumnSelector?, defaultNames: [String], fallback: Int,
        row: [String], hasHeader: Bool, path: String
    ) throws -> Int {
        let trimmed = row.map { $0.trimmingCharacters(in: .whitespaces) }
        switch selector {
        case let .index(index):
            guard index < row.count else {
                throw DatasetError.columnIndexOutOfRange(path: path, index: index, columnCount: row.count)
            }
            return index
        case let .name(name):
            // Without a header the first row is data, and no column has a name.
            guard hasHeader, let index = trimmed.firstIndex(of: name) else {
                throw DatasetError.columnNotFound(path: path, column: name, header: row)
            }
            return index
        case nil:
            guard hasHeader else { return fallback }
            for name in defaultNames {
                if let index = trimmed.firstIndex(where: { $0.lowercased() == name }) { return index }
            }
            return fallback
        }
    }

    // MARK: - Rows

    static func parseRows(_ file: TextFile, delimiter: UInt8) throws -> [Row] {
        var parser = RowParser(bytes: file.bytes, path: file.path, delimiter: delimiter)
        var rows: [Row] = []
        var blankRows: [Int] = []
        while let (row, isBlank) = try parser.nextRow() {
            if isBlank {
                blankRows.append(row.line)
                continue
            }
            // A blank row is an error only when a row with content follows it.
            if let blank = blankRows.first {
                throw DatasetError.emptyLine(FileLocation(path: file.path, line: blank))
            }
            rows.append(row)
        }
        return rows
    }
}

/// A cursor over CSV bytes that returns one row at a time.
private struct RowParser {
    let bytes: [UInt8]
    let path: String
    let delimiter: UInt8
    var position = 0
    /// The 1-based line of `position`.
    var line = 1

    private static let quote = UInt8(ascii: "\"")
    private static let newline = UInt8(ascii: "\n")
    private static let carriageReturn = UInt8(ascii: "\r")

    init(bytes: [UInt8], path: String, delimiter: UInt8) {
        self.bytes = bytes
        self.path = path
        self.delimiter = delimiter
    }

    /// Returns the next row and whether it is blank (one unquoted cell of spaces and tabs),
    /// or nil at the end of the input.
    mutating func nextRow() throws -> (CSV.Row, Bool)? {
        guard position < bytes.count else { return nil }
        let startLine = line
        var cells: [String] = []
        var sawQuote = false
        while true {
            if position < bytes.count && bytes[position] == Self.quote {
                sawQuote = true
                cells.append(try quotedField())
            } else {
                cells.append(unquotedField())
            }
            if position < bytes.count && bytes[position] == delimiter {
                position += 1
                continue
            }
            skipLineEnd()
            break
        }
        let isBlank = !sawQuote && cells.count == 1 && TextFile.isBlank(ArraySlice(cells[0].utf8))
        return (CSV.Row(cells: cells, line: startLine), isBlank)
    }

    private mutating func unquotedField() -> String {
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == delimiter || byte == Self.newline || byte == Self.carriageReturn { break }
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Reads a quoted field; `position` is at its opening quote.
    private mutating func quotedField() throws -> String {
        let openingLine = line
        position += 1
        var field: [UInt8] = []
        while true {
            guard position < bytes.count else {
                throw DatasetError.unterminatedQuote(FileLocation(path: path, line: openingLine))
            }
            let byte = bytes[position]
            if byte == Self.quote {
                if position + 1 < bytes.count && bytes[position + 1] == Self.quote {
                    field.append(Self.quote)
                    position += 2
                    continue
                }
                position += 1
                break
            }
            // Count \r\n once, at its \n.
            let nextIsNewline = position + 1 < bytes.count && bytes[position + 1] == Self.newline
            if byte == Self.newline || (byte == Self.carriageReturn && !nextIsNewline) { line += 1 }
            field.append(byte)
            position += 1
        }

        if position < bytes.count {
            let byte = bytes[position]
            if byte != delimiter && byte != Self.newline && byte != Self.carriageReturn {
                throw DatasetError.characterAfterClosingQuote(FileLocation(path: path, line: line), character: character(at: position))
            }
        }
        return String(decoding: field, as: UTF8.self)
    }

    /// Moves past one line ending, if `position` is at one.
    private mutating func skipLineEnd() {
        guard position < bytes.count else { return }
        if bytes[position] == Self.carriageReturn && position + 1 < bytes.count && bytes[position + 1] == Self.newline {
            position += 2
        } else {
            position += 1
        }
        line += 1
    }

    /// Returns the whole UTF-8 character that starts at `index`.
    private func character(at index: Int) -> String {
        var end = index + 1
        while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[index..<end], as: UTF8.self)
    }
}
