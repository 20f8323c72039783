/// Errors from reading data files, finding splits and mapping labels to class ids.
///
/// Each message names the file, and the line where one applies, and ends with what to do.
public enum DatasetError: Error, CustomStringConvertible, Equatable, Sendable {
    // Files and encodings.
    case fileUnreadable(path: String, reason: String)
    case invalidUTF8(FileLocation)
    case emptyFile(path: String)
    case emptyLine(FileLocation)
    case unsupportedExtension(path: String)
    case parquetNotSupported(path: String)
    case jsonArrayNotSupported(path: String)

    // Line and record syntax.
    case missingSeparator(FileLocation)
    case unterminatedQuote(FileLocation)
    case characterAfterClosingQuote(FileLocation, character: String)
    case columnCountMismatch(FileLocation, expected: Int, found: Int)
    case invalidJSON(FileLocation, reason: String)
    case notAnObject(FileLocation)
    case missingField(FileLocation, field: String)
    case invalidFieldType(FileLocation, field: String, found: String)

    // Column selection.
    case columnNotFound(path: String, column: String, header: [String])
    case columnIndexOutOfRange(path: String, index: Int, columnCount: Int)
    case columnIndexWithoutColumns(path: String, index: Int)
    case columnOptionNotApplicable(path: String, option: String)
    case sameTextAndLabelColumn(path: String, column: Int)

    // Split files.
    case dataNotFound(path: String)
    case emptyFolder(path: String)
    case duplicateSplit(split: String, paths: [String])
    case missingSplit(split: String, path: String, files: [String])

    // Labels.
    case unlabeled(FileLocation)
    case unknownLabel(FileLocation, label: String, known: [String])
    case labelOutOfRange(FileLocation, label: Int, count: Int)
    case negativeLabel(FileLocation, label: Int)
    case mixedLabelTypes(FileLocation, label: String)
    case noLabels(path: String)
    case invalidLabelList(reason: String)
    case labelsDisagree(model: [String], requested: [String])

    public var description: String {
        switch self {
        case let .fileUnreadable(path, reason):
            return "\(path): cannot read the file (\(reason)). Check the path and its permissions."
        case let .invalidUTF8(location):
            return "\(location): invalid UTF-8. Convert the file to UTF-8, for example with `iconv -f LATIN1 -t UTF-8`."
        case let .emptyFile(path):
            return "\(path): the file contains no examples. Add examples or remove the file."
        case let .emptyLine(location):
            return "\(location): empty line before the end of the file. Remove it or give it a text and a label."
        case let .unsupportedExtension(path):
            return "\(path): unsupported file extension. Use .txt (text;label lines), .csv, .tsv, .jsonl, .json or .parquet."
        case let .parquetNotSupported(path):
            return "\(path): Parquet files are not supported yet. Convert the file to JSON Lines or CSV."
        case let .jsonArrayNotSupported(path):
            return "\(path): the file is one JSON array, but the reader expects JSON Lines. Write one JSON object per line."
        case let .missingSeparator(location):
            return "\(location): no `;` between text and label. Write each line as `text;label`."
        case let .unterminatedQuote(location):
            return "\(location): quoted field is never closed. Close it with `\"` and write quotes inside it as `\"\"`."
        case let .characterAfterClosingQuote(location, character):
            return "\(location): unexpected \(character.debugDescription) after a closing quote. "
                + "Write quotes inside a quoted field as `\"\"`, or put the delimiter right after the closing quote."
        case let .columnCountMismatch(location, expected, found):
            return "\(location): \(found) columns, but the first row has \(expected). "
                + "Quote fields that contain the delimiter, or fix the row."
        case let .invalidJSON(location, reason):
            return "\(location): invalid JSON (\(reason)). Write one complete JSON object per line."
        case let .notAnObject(location):
            return "\(location): the line is valid JSON but not an object. Write one JSON object per line, such as {\"text\": \"...\", \"label\": \"...\"}."
        case let .missingField(location, field):
            return "\(location): missing field \"\(field)\". Add it, or select another field with --text-column."
        case let .invalidFieldType(location, field, found):
            return "\(location): field \"\(field)\" is \(found), but a string (or an integer label) is expected. Fix the value."
        case let .columnNotFound(path, column, header):
            let cells = header.map { $0.debugDescription }.joined(separator: ", ")
            return "\(path): no column named \"\(column)\" in the first row [\(cells)]. Pass a name from the header row or a 0-based index."
        case let .columnIndexOutOfRange(path, index, columnCount):
            return "\(path): column index \(index) is out of range; the file has \(columnCount) columns (0 to \(columnCount - 1)). Pass a valid 0-based index."
        case let .columnIndexWithoutColumns(path, index):
            return "\(path): column index \(index) given, but JSON Lines fields have names. Pass the field name instead."
        case let .columnOptionNotApplicable(path, option):
            return "\(path): \(option) does not apply to `text;label` lines. Drop the option, or convert the file to CSV or JSON Lines."
        case let .sameTextAndLabelColumn(path, column):
            return "\(path): text and label both resolve to column \(column). Pass --text-column and --label-column."
        case let .dataNotFound(path):
            return "\(path): no such file or folder. Pass a data file or a folder with train/validation/test files."
        case let .emptyFolder(path):
            return "\(path): the folder contains no data files. Add files named by split, such as train.csv and validation.csv."
        case let .duplicateSplit(split, paths):
            return "two files for the \(split) split: \(paths.joined(separator: ", ")). Keep one, or rename the other."
        case let .missingSplit(split, path, files):
            return "\(path): no \(split) split among [\(files.joined(separator: ", "))]. "
                + "Name its file \(split) with a supported extension (\(split).csv, \(split).jsonl, \(split).txt, ...)."
        case let .unlabeled(location):
            return "\(location): the example has no label (empty, null or -1). Add a label, or pass --skip-unlabeled to skip such rows."
        case let .unknownLabel(location, label, known):
            return "\(location): label \(label) is not one of [\(known.joined(separator: ", "))]. "
                + "Fix the label, or, when training a new head, list every class with --labels."
        case let .labelOutOfRange(location, label, count):
            return "\(location): label \(label) is outside 0...\(count - 1) for \(count) classes. Fix the label, or, when training a new head, list every class name with --labels."
        case let .negativeLabel(location, label):
            return "\(location): label \(label) is negative. Use class ids from 0, or -1 for an unlabeled example."
        case let .mixedLabelTypes(location, label):
            return "\(location): label \(label) is an integer, but other labels are names. Use names or integers throughout, or pass --labels."
        case let .noLabels(path):
            return "\(path): no example has a label. Check --label-column, or pass the class names with --labels."
        case let .invalidLabelList(reason):
            return "invalid label list: \(reason). Pass distinct, non-empty names, such as --labels negative,positive."
        case let .labelsDisagree(model, requested):
            return "--labels [\(requested.joined(separator: ", "))] differs from the model's labels [\(model.joined(separator: ", "))]. "
                + "Drop --labels, or pass the model's labels in id order."
        }
    }
}
