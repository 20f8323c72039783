/// Framing of a single sequence: ids put before and after the content, such as `<s> … </s>` or
/// `[CLS] … [SEP]`. RobertaProcessing, BertProcessing and single-sequence TemplateProcessing all reduce
/// to this; ByteLevel post-processing only trims offsets and adds nothing.
struct PostProcessor: Sendable, Equatable {
    var prefix: [Int32]
    var suffix: [Int32]

    static let none = PostProcessor(prefix: [], suffix: [])

    var addedCount: Int { prefix.count + suffix.count }

    /// Frames `content`, first cutting it to `maxLength - addedCount` tokens so the result fits.
    ///
    /// Cutting before framing keeps the closing token, as `tokenizers`' truncation does for one sequence
    /// (strategy longest_first, direction right, stride 0). When `maxLength` is below `addedCount` the
    /// content is dropped and only the framing remains.
    func frame(_ content: [Int32], maxLength: Int) -> [Int32] {
        let budget = max(0, maxLength - addedCount)
        var ids: [Int32] = []
        ids.reserveCapacity(min(content.count, budget) + addedCount)
        ids.append(contentsOf: prefix)
        ids.append(contentsOf: content.prefix(budget))
        ids.append(contentsOf: suffix)
        return ids
    }

    /// Combines processors applied one after another, as a `Sequence` post-processor does.
    func followed(by next: PostProcessor) -> PostProcessor {
        PostProcessor(prefix: next.prefix + prefix, suffix: suffix + next.suffix)
    }
}
