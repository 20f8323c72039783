import Foundation

/// An example with its class id, ready for the tokenizer.
public struct LabeledExample: Sendable, Hashable {
    public var text: String
    /// Class id in 0..<LabelSet.count.
    public var label: Int
    public var location: FileLocation

    public init(text: String, label: Int, location: FileLocation) {
        self.text = text
        self.label = label
        self.location = location
    }
}

/// The examples of one split with class ids, and how many unlabeled rows were skipped.
public struct LabeledSplit: Sendable, Equatable {
    public var examples: [LabeledExample]
    /// Rows with no label (empty, null or -1), skipped because `skipUnlabeled` was set.
    public var skippedUnlabeled: Int

    public init(examples: [LabeledExample], skippedUnlabeled: Int) {
        self.examples = examples
        self.skippedUnlabeled = skippedUnlabeled
    }
}

/// The one map between class names and class ids that all splits share.
///
/// `resolve` builds it once, from the first source present:
/// 1. the model's `id2label`, which must use the ids 0..<n;
/// 2. an explicit list of names (`--labels a,b,c`), whose order gives the ids;
/// 3. the labels of the training split:
///    - When every label is an integer (a JSON number or a decimal string such as "3"), the
///      ids are the integers themselves and n is the largest one plus 1. Class k is named
///      `LABEL_k`, as `transformers` names classes without a name. Ids in 0..<n that no
///      example uses still get a class.
///    - Otherwise the names are the distinct labels sorted by Unicode code points, the order
///      of Python's `sorted` and of the `datasets` ClassLabel built from a string column.
///      JSON number labels mixed with names are then an error.
///
/// In every split, a label maps to the class of that name; failing that, a decimal label is
/// a class id. An empty label, a JSON `null`, an absent field and -1 mark an unlabeled row.
public struct LabelSet: Sendable, Equatable, CustomStringConvertible {
    /// Class names in id order.
    public let names: [String]
    private let ids: [String: Int]

    /// Creates a label set from names in id order.
    ///
    /// Throws `DatasetError.invalidLabelList` for an empty list, an empty name or a repeated name.
    public init(names: [String]) throws {
        guard !names.isEmpty else { throw DatasetError.invalidLabelList(reason: "the list is empty") }
        var ids: [String: Int] = [:]
        for (id, name) in names.enumerated() {
            guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw DatasetError.invalidLabelList(reason: "name \(id) is empty")
            }
            guard ids[name] == nil else {
                throw DatasetError.invalidLabelList(reason: "\(name.debugDescription) appears twice")
            }
            ids[name] = id
        }
        self.names = names
        self.ids = ids
    }

    /// Creates a label set from a model's `id2label`, whose keys must be exactly 0..<n.
    public init(id2label: [Int: String]) throws {
        let keys = id2label.keys.sorted()
        guard keys == Array(0..<id2label.count) else {
            throw DatasetError.invalidLabelList(reason: "the model's id2label has ids \(keys), not 0..<\(id2label.count)")
        }
        try self.init(names: keys.compactMap { id2label[$0] })
    }

    public var count: Int { names.count }

    /// The `id2label` map for a model's config.json.
    public var id2label: [Int: String] {
        Dictionary(uniqueKeysWithValues: names.enumerated().map { ($0.offset, $0.element) })
    }

    /// The `label2id` map for a model's config.json.
    public var label2id: [String: Int] { ids }

    public var description: String { names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: ", ") }

    // MARK: - Building

    /// Builds the label set from the first source present, in the order the type's
    /// documentation gives. Names passed together with `id2label` must match it exactly.
    public static func resolve(id2label: [Int: String]?, names: [String]?, training: [DatasetRecord]) throws -> LabelSet {
        if let id2label {
            let modelSet = try LabelSet(id2label: id2label)
            if let names, names != modelSet.names {
                throw DatasetError.labelsDisagree(model: modelSet.names, requested: names)
            }
            return modelSet
        }
        if let names { return try LabelSet(names: names) }
        return try infer(from: training)
    }

    /// Infers the label set from training records by rule 3 of the type's documentation.
    public static func infer(from records: [DatasetRecord]) throws -> LabelSet {
        var labeled: [(label: RawLabel, location: FileLocation)] = []
        for record in records where !isUnlabeled(record.label) {
            labeled.append((record.label, record.location))
        }
        guard !labeled.isEmpty else {
            throw DatasetError.noLabels(path: records.first?.location.path ?? "the training split")
        }

        // Integers: the ids are the values.
        var integers: [Int] = []
        for (label, location) in labeled {
            guard let value = integerValue(label) else { break }
            guard value >= 0 else { throw DatasetError.negativeLabel(location, label: value) }
            integers.append(value)
        }
        if integers.count == labeled.count, let largest = integers.max() {
            return try LabelSet(names: (0...largest).map { "LABEL_\($0)" })
        }

        // Names: distinct, in code point order.
        var distinct = Set<String>()
        for (label, location) in labeled {
            switch label {
            case let .string(name): distinct.insert(name)
            case let .integer(value): throw DatasetError.mixedLabelTypes(location, label: String(value))
            case .missing: break
            }
        }
        let sorted = distinct.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        return try LabelSet(names: sorted)
    }

    // MARK: - Mapping

    /// Returns the class id of a record's label, or nil when the row is unlabeled.
    ///
    /// Throws `DatasetError` naming the file and line for a name outside the set, an integer
    /// outside 0..<count or a negative integer other than -1.
    public func classID(of record: DatasetRecord) throws -> Int? {
        if case let .string(name) = record.label, let id = ids[name] { return id }
        if Self.isUnlabeled(record.label) { return nil }
        guard let value = Self.integerValue(record.label) else {
            throw DatasetError.unknownLabel(record.location, label: record.label.description, known: names)
        }
        guard value >= 0 else { throw DatasetError.negativeLabel(record.location, label: value) }
        guard value < count else { throw DatasetError.labelOutOfRange(record.location, label: value, count: count) }
        return value
    }

    /// Maps every record to its class id.
    ///
    /// An unlabeled row is an error naming its file and line, unless `skipUnlabeled` is set:
    /// then it is skipped and counted in `skippedUnlabeled`.
    public func assign(_ records: [DatasetRecord], skipUnlabeled: Bool) throws -> LabeledSplit {
        var examples: [LabeledExample] = []
        examples.reserveCapacity(records.count)
        var skipped = 0
        for record in records {
            guard let id = try classID(of: record) else {
                guard skipUnlabeled else { throw DatasetError.unlabeled(record.location) }
                skipped += 1
                continue
            }
            examples.append(LabeledExample(text: record.text, label: id, location: record.location))
        }
        return LabeledSplit(examples: examples, skippedUnlabeled: skipped)
    }

    /// Returns whether a label that is not a class name marks an unlabeled row (missing or -1).
    private static func isUnlabeled(_ label: RawLabel) -> Bool {
        label == .missing || integerValue(label) == -1
    }

    /// Returns the integer a label is: a JSON integer, or a string of ASCII digits with an
    /// optional leading `-`.
    private static func integerValue(_ label: RawLabel) -> Int? {
        switch label {
        case let .integer(value):
            return value
        case let .string(text):
            let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
            guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            return Int(text)
        case .missing:
            return nil
        }
    }
}
