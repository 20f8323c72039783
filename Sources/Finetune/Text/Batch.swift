/// One padded batch of encoded examples, laid out row-major as (B, T).
///
/// B is `batchSize` and T is `sequenceLength`, the padded length that every row shares.
public struct Batch: Sendable, Equatable {
    /// Token ids, (B, T). Padding positions hold the tokenizer's pad id.
    public var ids: [Int32]
    /// 1 for a real token, 0 for padding, (B, T).
    public var attentionMask: [Int32]
    /// Class ids, (B). Empty when the batch has no labels (prediction).
    public var labels: [Int32]
    public var batchSize: Int
    public var sequenceLength: Int

    public init(ids: [Int32], attentionMask: [Int32], labels: [Int32], batchSize: Int, sequenceLength: Int) {
        precondition(ids.count == batchSize * sequenceLength, "Batch: ids.count \(ids.count) != \(batchSize)x\(sequenceLength)")
        precondition(attentionMask.count == ids.count, "Batch: attentionMask.count \(attentionMask.count) != ids.count \(ids.count)")
        precondition(labels.isEmpty || labels.count == batchSize, "Batch: labels.count \(labels.count) != batchSize \(batchSize)")
        self.ids = ids
        self.attentionMask = attentionMask
        self.labels = labels
        self.batchSize = batchSize
        self.sequenceLength = sequenceLength
    }
}
