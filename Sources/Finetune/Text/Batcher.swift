/// One tokenized example: the token ids the model receives, and its class id.
public struct EncodedExample: Sendable, Equatable {
    public var ids: [Int32]
    /// Class id, or nil when the example has no label (prediction).
    public var label: Int32?

    public init(ids: [Int32], label: Int32?) {
        self.ids = ids
        self.label = label
    }
}

/// The padding rule of a batch.
public enum Padding: String, Sendable, CaseIterable {
    /// To the longest example in the batch (`--padding longest`).
    case longest
    /// To a fixed length, `Batcher.Options.maxLength` (`--padding max-length`).
    case maxLength = "max-length"
}

/// Cuts encoded examples into padded batches, in an order fixed by the seed and the epoch.
///
/// Order: with `shuffle`, a `Philox` stream permutes the examples. The stream's key is the
/// seed and its stream number the epoch. Without `shuffle` the examples keep their order. With
/// `groupByLength`, that order is then cut into groups of `batchesPerGroup` batches, each
/// group is sorted by length (longest first, ties in order), cut into batches, and, with
/// `shuffle`, the batch order is permuted by the same stream. Similar lengths then share a
/// batch, so `.longest` padding wastes less. Every example appears once per epoch; the last
/// batch may be smaller than `batchSize`.
public struct Batcher: Sendable {
    public struct Options: Sendable, Equatable {
        public var batchSize: Int
        public var padding: Padding
        /// The padded length for `.maxLength`. With `.longest` it is optional, and when set
        /// no example may be longer.
        public var maxLength: Int?
        /// The tokenizer's pad token id.
        public var padID: Int32
        public var shuffle: Bool
        public var groupByLength: Bool
        public var seed: UInt64
        /// Batches per length-sorted group when `groupByLength` is set.
        public var batchesPerGroup: Int

        public init(
            batchSize: Int, padding: Padding = .longest, maxLength: Int? = nil, padID: Int32,
            shuffle: Bool = true, groupByLength: Bool = false, seed: UInt64 = 42, batchesPerGroup: Int = 50
        ) {
            self.batchSize = batchSize
            self.padding = padding
            self.maxLength = maxLength
            self.padID = padID
            self.shuffle = shuffle
            self.groupByLength = groupByLength
            self.seed = seed
            self.batchesPerGroup = batchesPerGroup
        }
    }

    public let examples: [EncodedExample]
    public let options: Options

    /// Checks the options and the examples against each other; a mismatch is a programmer
    /// error, because the tokenizer truncates to `maxLength` before this point.
    public init(examples: [EncodedExample], options: Options) {
        precondition(options.batchSize > 0, "Batcher: batchSize \(options.batchSize) must be positive")
        precondition(options.batchesPerGroup > 0, "Batcher: batchesPerGroup \(options.batchesPerGroup) must be positive")
        precondition(options.padding == .longest || options.maxLength != nil, "Batcher: .maxLength padding needs maxLength")
        if let maxLength = options.maxLength {
            precondition(maxLength > 0, "Batcher: maxLength \(maxLength) must be positive")
            if let index = examples.firstIndex(where: { $0.ids.count > maxLength }) {
                preconditionFailure("Batcher: example \(index) has \(examples[index].ids.count) tokens, more than maxLength \(maxLength)")
            }
        }
        let labeledCount = examples.count { $0.label != nil }
        precondition(labeledCount == 0 || labeledCount == examples.count, "Batcher: \(labeledCount) of \(examples.count) examples have labels; expected all or none")
        self.examples = examples
        self.options = options
    }

    /// Batches per epoch, the last one possibly partial.
    public var batchCount: Int { (examples.count + options.batchSize - 1) / options.batchSize }

    /// Returns the example indices of each batch of `epoch`, in training order.
    public func batchOrder(epoch: Int) -> [[Int]] {
        var generator = Philox(seed: options.seed, stream: UInt64(epoch))
        var order = Array(examples.indices)
        if options.shuffle { generator.shuffle(&order) }
        guard options.groupByLength else { return cut(order[...]) }

        var batches: [[Int]] = []
        batches.reserveCapacity(batchCount)
        let groupSize = options.batchSize * options.batchesPerGroup
        for start in stride(from: 0, to: order.count, by: groupSize) {
            // Sort by (length descending, position ascending), a total order, so the result
            // does not depend on the stability of the sort.
            let group = order[start..<min(start + groupSize, order.count)].enumerated().sorted { a, b in
                let lengthA = examples[a.element].ids.count
                let lengthB = examples[b.element].ids.count
                return lengthA != lengthB ? lengthA > lengthB : a.offset < b.offset
            }
            batches += cut(group.map(\.element)[...])
        }
        if options.shuffle { generator.shuffle(&batches) }
        return batches
    }

    /// Pads the examples at `indices` into one batch.
    public func makeBatch(_ indices: [Int]) -> Batch {
        let batchSize = indices.count
        let longest = indices.map { examples[$0].ids.count }.max() ?? 0
        let sequenceLength = options.padding == .maxLength ? options.maxLength ?? longest : longest

        var ids = [Int32](repeating: options.padID, count: batchSize * sequenceLength)
        var attentionMask = [Int32](repeating: 0, count: batchSize * sequenceLength)
        var labels: [Int32] = []
        labels.reserveCapacity(batchSize)
        for (row, index) in indices.enumerated() {
            let example = examples[index]
            let rowStart = row * sequenceLength
            ids.replaceSubrange(rowStart..<rowStart + example.ids.count, with: example.ids)
            attentionMask.replaceSubrange(rowStart..<rowStart + example.ids.count, with: repeatElement(1, count: example.ids.count))
            if let label = example.label { labels.append(label) }
        }
        return Batch(ids: ids, attentionMask: attentionMask, labels: labels, batchSize: batchSize, sequenceLength: sequenceLength)
    }

    /// Returns the padded batches of `epoch`, each built when the iteration reaches it.
    public func batches(epoch: Int) -> LazyMapSequence<[[Int]], Batch> {
        batchOrder(epoch: epoch).lazy.map { makeBatch($0) }
    }

    private func cut(_ order: ArraySlice<Int>) -> [[Int]] {
        stride(from: order.startIndex, to: order.endIndex, by: options.batchSize).map { start in
            Array(order[start..<min(start + options.batchSize, order.endIndex)])
        }
    }
}
