/// Failure to read a Parquet file. Each message names the file (and column, row group and page
/// where known) and ends with what to do.
public enum ParquetError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read from disk.
    case unreadable(file: String, reason: String)
    /// The bytes are not a Parquet file (no `PAR1` magic, footer length out of range).
    case notParquet(file: String, reason: String)
    /// The file is Parquet but its metadata or a page is damaged. `location` names the column, row group
    /// and page, or "footer".
    case corrupt(file: String, location: String, reason: String)
    /// A valid Parquet feature that this reader does not implement. `column` is nil for file-wide features.
    case unsupported(file: String, column: String?, feature: String)
    /// The requested column is not in the file.
    case columnNotFound(file: String, column: String, available: [String])

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "Parquet: cannot read \(file): \(reason). Check that the path exists and is readable."
        case .notParquet(let file, let reason):
            return "Parquet: \(file) is not a Parquet file: \(reason). Check the path, or re-download the file if it was cut short."
        case .corrupt(let file, let location, let reason):
            return "Parquet: \(file), \(location): \(reason). The file is damaged or truncated; re-download it or write it again with pyarrow."
        case .unsupported(let file, let column, let feature):
            let subject = column.map { "column '\($0)' of \(file)" } ?? file
            return "Parquet: \(subject) uses \(feature), which this reader does not support. "
                + "Write the table again with flat columns, PLAIN or dictionary encoding and SNAPPY, GZIP, ZSTD or no compression, "
                + "for example pyarrow.parquet.write_table(table, path, compression=\"zstd\")."
        case .columnNotFound(let file, let column, let available):
            return "Parquet: \(file) has no column '\(column)'. Columns: \(available.joined(separator: ", ")). Use one of these names."
        }
    }
}
