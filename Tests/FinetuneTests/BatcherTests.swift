import Testing
import Finetune

@Suite struct BatcherTests {
    /// Examples whose ids encode their index: example i is [100 + i, 100 + i, ...] of length `lengths[i]`.
    private func examples(_ lengths: [Int], labeled: Bool = true) -> [EncodedExample] {
        lengths.enumerated().map { index, length in
            EncodedExample(ids: [Int32](repeating: Int32(index + 100), count: length), label: labeled ? Int32(index % 3) : nil)
        }
    }

    @Test func padsToLongestInBatch() {
        let batcher = Batcher(examples: examples([3, 1, 2, 5]), options: .init(batchSize: 3, padID: 1, shuffle: false))
        let batches = Array(batcher.batches(epoch: 0))
        #expect(batches.count == 2)
        #expect(batches[0].batchSize == 3)
        #expect(batches[0].sequenceLength == 3)
        #expect(batches[0].ids == [100, 100, 100, 101, 1, 1, 102, 102, 1])
        #expect(batches[0].attentionMask == [1, 1, 1, 1, 0, 0, 1, 1, 0])
        #expect(batches[0].labels == [0, 1, 2])
        // The last partial batch is kept.
        #expect(batches[1].batchSize == 1)
        #expect(batches[1].sequenceLength == 5)
        #expect(batches[1].ids == [103, 103, 103, 103, 103])
        #expect(batches[1].labels == [0])
    }

    @Test func padsToMaxLength() {
        let options = Batcher.Options(batchSize: 2, padding: .maxLength, maxLength: 4, padID: 0, shuffle: false)
        let batches = Array(Batcher(examples: examples([2, 1]), options: options).batches(epoch: 0))
        #expect(batches.count == 1)
        #expect(batches[0].sequenceLength == 4)
        #expect(batches[0].ids == [100, 100, 0, 0, 101, 0, 0, 0])
        #expect(batches[0].attentionMask == [1, 1, 0, 0, 1, 0, 0, 0])
    }

    @Test func unlabeledExamplesGiveEmptyLabels() {
        let batcher = Batcher(examples: examples([2, 2], labeled: false), options: .init(batchSize: 2, padID: 0, shuffle: false))
        #expect(batcher.makeBatch([0, 1]).labels.isEmpty)
    }

    @Test func noShuffleKeepsFileOrder() {
        let batcher = Batcher(examples: examples(Array(repeating: 2, count: 10)), options: .init(batchSize: 4, padID: 0, shuffle: false))
        #expect(batcher.batchOrder(epoch: 0) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
        #expect(batcher.batchOrder(epoch: 3) == batcher.batchOrder(epoch: 0))
        #expect(batcher.batchCount == 3)
    }

    @Test func shuffleIsDeterministicPerSeedAndEpoch() {
        let data = examples(Array(repeating: 2, count: 100))
        let a = Batcher(examples: data, options: .init(batchSize: 8, padID: 0, seed: 42))
        let b = Batcher(examples: data, options: .init(batchSize: 8, padID: 0, seed: 42))
        let otherSeed = Batcher(examples: data, options: .init(batchSize: 8, padID: 0, seed: 43))
        #expect(a.batchOrder(epoch: 0) == b.batchOrder(epoch: 0))
        #expect(a.batchOrder(epoch: 1) == b.batchOrder(epoch: 1))
        #expect(a.batchOrder(epoch: 0) != a.batchOrder(epoch: 1))
        #expect(a.batchOrder(epoch: 0) != otherSeed.batchOrder(epoch: 0))
        #expect(Array(a.batches(epoch: 2)) == Array(b.batches(epoch: 2)))
    }

    @Test func shuffleOrderIsPinned() {
        // Regression pin: a run must replay the same order from its seed across versions.
        let batcher = Batcher(examples: examples(Array(repeating: 2, count: 10)), options: .init(batchSize: 4, padID: 0, seed: 42))
        #expect(batcher.batchOrder(epoch: 0) == [[3, 8, 2, 7], [5, 6, 4, 9], [0, 1]])
    }

    @Test func shuffleVisitsEveryExampleOnce() {
        let batcher = Batcher(examples: examples(Array(repeating: 2, count: 37)), options: .init(batchSize: 5, padID: 0, seed: 7))
        let order = batcher.batchOrder(epoch: 0)
        #expect(order.flatMap { $0 }.sorted() == Array(0..<37))
        #expect(order.map(\.count).sorted() == [2, 5, 5, 5, 5, 5, 5, 5])
        #expect(order.flatMap { $0 } != Array(0..<37))
    }

    @Test func groupByLengthGroupsSimilarLengths() {
        var generator = Philox(seed: 1)
        let lengths = (0..<400).map { _ in 1 + generator.nextInt(below: 64) }
        let data = examples(lengths)
        let grouped = Batcher(examples: data, options: .init(batchSize: 8, padID: 0, groupByLength: true, seed: 5, batchesPerGroup: 50))
        let plain = Batcher(examples: data, options: .init(batchSize: 8, padID: 0, seed: 5))

        let order = grouped.batchOrder(epoch: 0)
        #expect(order.flatMap { $0 }.sorted() == Array(0..<400))
        #expect(order.count == 50)

        // Each batch is sorted longest first, and padding shrinks against plain shuffling.
        for batch in order {
            let batchLengths = batch.map { lengths[$0] }
            #expect(batchLengths == batchLengths.sorted(by: >))
        }
        func paddedTokens(_ batcher: Batcher) -> Int {
            batcher.batches(epoch: 0).reduce(0) { $0 + $1.batchSize * $1.sequenceLength }
        }
        #expect(paddedTokens(grouped) < paddedTokens(plain) * 3 / 4)

        // Deterministic, and the batch order changes with the epoch.
        #expect(order == Batcher(examples: data, options: grouped.options).batchOrder(epoch: 0))
        #expect(order != grouped.batchOrder(epoch: 1))
    }

    @Test func groupByLengthWithoutShuffleSortsEachGroup() {
        let lengths = [1, 4, 2, 3, 9, 7, 8, 5]
        let options = Batcher.Options(batchSize: 2, padID: 0, shuffle: false, groupByLength: true, batchesPerGroup: 2)
        let order = Batcher(examples: examples(lengths), options: options).batchOrder(epoch: 0)
        // Groups of 4 examples: [1, 4, 2, 3] and [9, 7, 8, 5], each sorted longest first.
        #expect(order == [[1, 3], [2, 0], [4, 6], [5, 7]])
    }
}
