import Foundation

/// The file formats that data sets are read from, chosen by file extension.
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// `.txt`: `text;label` lines.
    case textLabelLines
    /// `.csv`
    case csv
    /// `.tsv`
    case tsv
    /// `.jsonl` or `.json`: one JSON object per line.
    case jsonLines
    /// `.parquet`
    case parquet

    /// Extensions, lowercase, without the dot.
    public static let extensions: [String: DatasetFormat] = [
        "txt": .textLabelLines, "csv": .csv, "tsv": .tsv,
        "jsonl": .jsonLines, "json": .jsonLines, "parquet": .parquet,
    ]

    /// The format of `url` from its extension (case-insensitive), or nil when unsupported.
    public init?(url: URL) {
        guard let format = DatasetFormat.extensions[url.pathExtension.lowercased()] else { return nil }
        self = format
    }
}

/// Reads data set files of any supported format into `DatasetRecord`s.
public enum DatasetReader {
    /// The columns (CSV, TSV, Parquet) or fields (JSON Lines) that contain the text and the label.
    /// Nil means the format's default: see `CSV.read` and `JSONLines.read`.
    public struct Options: Sendable, Equatable {
        public var textColumn: ColumnSelector?
        public var labelColumn: ColumnSelector?

        public init(textColumn: ColumnSelector? = nil, labelColumn: ColumnSelector? = nil) {
            self.textColumn = textColumn
            self.labelColumn = labelColumn
        }
    }

    /// Reads every example of the file at `url`, choosing the reader by its extension.
    ///
    /// Throws `DatasetError.emptyFile` when the file contains no example, and the reader's
    /// errors otherwise. Column options on a `.txt` file, and column indices on JSON Lines,
    /// are errors because those formats cannot honour them.
    public static func read(url: URL, options: Options = Options()) throws -> [DatasetRecord] {
        guard let format = DatasetFormat(url: url) else {
            throw DatasetError.unsupportedExtension(path: url.path)
        }
        let records: [DatasetRecord]
        switch format {
        case .textLabelLines:
            if options.textColumn != nil {
                throw DatasetError.columnOptionNotApplicable(path: url.path, option: "--text-column")
            }
            if options.labelColumn != nil {
                throw DatasetError.columnOptionNotApplicable(path: url.path, option: "--label-column")
            }
            records = try TextLabelLines.read(url: url)
        case .csv:
            records = try CSV.read(url: url, delimiter: UInt8(ascii: ","), textColumn: options.textColumn, labelColumn: options.labelColumn)
        case .tsv:
            records = try CSV.read(url: url, delimiter: UInt8(ascii: "\t"), textColumn: options.textColumn, labelColumn: options.labelColumn)
        case .jsonLines:
            let textField = try fieldName(options.textColumn, default: "text", path: url.path)
            let labelField = try fieldName(options.labelColumn, default: "label", path: url.path)
            records = try JSONLines.read(url: url, textField: textField, labelField: labelField)
        case .parquet:
            records = try ParquetRecords.read(url: url, textColumn: options.textColumn, labelColumn: options.labelColumn)
        }
        guard !records.isEmpty else { throw DatasetError.emptyFile(path: url.path) }
        return records
    }

    /// Reads the files in order and concatenates their examples (the shards of one split).
    public static func read(urls: [URL], options: Options = Options()) throws -> [DatasetRecord] {
        try urls.flatMap { try read(url: $0, options: options) }
    }

    /// Reads texts to classify, with no labels needed: a `.txt` file contains one text per line,
    /// and the other formats are read as by `read(url:options:)`, keeping any labels.
    public static func readTexts(url: URL, options: Options = Options()) throws -> [DatasetRecord] {
        guard DatasetFormat(url: url) == .textLabelLines else { return try read(url: url, options: options) }
        let records = try TextLabelLines.readTexts(url: url)
        guard !records.isEmpty else { throw DatasetError.emptyFile(path: url.path) }
        return records
    }

    private static func fieldName(_ selector: ColumnSelector?, default name: String, path: String) throws -> String {
        switch selector {
        case nil: return name
        case let .name(field)?: return field
        case let .index(index)?: throw DatasetError.columnIndexWithoutColumns(path: path, index: index)
        }
    }
}
