import Foundation

/// Reads text and label columns of a Parquet file (the format of Hub data sets) as dataset records.
enum ParquetRecords {
    /// Column names tried, in order, when no column is selected.
    static let textNames = ["text", "sentence", "content", "review"]
    static let labelNames = ["label", "labels"]

    /// The records of `url`; the 1-based row number stands in for the line in error messages.
    static func read(url: URL, textColumn: ColumnSelector?, labelColumn: ColumnSelector?) throws -> [DatasetRecord] {
        let file = try ParquetFile(url: url)
        let text = try column(textColumn, defaults: textNames, in: file, path: url.path)
        let label = try labelColumnName(labelColumn, in: file, path: url.path)
        let texts = try file.readColumn(text)
        let labels = try label.map { try file.readColumn($0) } ?? Array(repeating: .null, count: texts.count)

        var records: [DatasetRecord] = []
        records.reserveCapacity(texts.count)
        for (index, (textValue, labelValue)) in zip(texts, labels).enumerated() {
            let location = FileLocation(path: url.path, line: index + 1)
            guard let string = textValue.stringValue else {
                throw DatasetError.invalidFieldType(location, field: text, found: textValue.isNull ? "null" : textValue.description)
            }
            records.append(DatasetRecord(text: string, label: rawLabel(labelValue), location: location))
        }
        return records
    }

    private static func rawLabel(_ value: ParquetValue) -> RawLabel {
        if let integer = value.intValue { return .integer(integer) }
        if let string = value.stringValue { return RawLabel(cell: string) }
        return .missing
    }

    private static func column(_ selector: ColumnSelector?, defaults: [String], in file: ParquetFile, path: String) throws -> String {
        switch selector {
        case let .name(name)?:
            guard file.columnNames.contains(name) else {
                throw DatasetError.columnNotFound(path: path, column: name, header: file.columnNames)
            }
            return name
        case let .index(index)?:
            guard file.columnNames.indices.contains(index) else {
                throw DatasetError.columnIndexOutOfRange(path: path, index: index, columnCount: file.columnNames.count)
            }
            return file.columnNames[index]
        case nil:
            guard let name = defaults.first(where: file.columnNames.contains) else {
                throw DatasetError.columnNotFound(path: path, column: defaults[0], header: file.columnNames)
            }
            return name
        }
    }

    /// The label column; nil when none is selected and the file has no column named like one
    /// (a file of texts to predict).
    private static func labelColumnName(_ selector: ColumnSelector?, in file: ParquetFile, path: String) throws -> String? {
        if selector == nil, !labelNames.contains(where: file.columnNames.contains) { return nil }
        return try column(selector, defaults: labelNames, in: file, path: path)
    }
}
