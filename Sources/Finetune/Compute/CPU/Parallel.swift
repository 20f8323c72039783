import Dispatch
import Foundation

/// Splits loops over rows across the CPU cores.
///
/// A loop of `count` items is cut into at most `workers` contiguous chunks of at least
/// `grain` items, and chunk `i` always covers the same range, so per-chunk partial sums
/// combine in the same order on every run.
///
/// Chunks run through `DispatchQueue.concurrentPerform`, whose calling thread also takes chunks
/// that no worker has claimed yet. When other processes occupy a core, the caller then runs
/// the remaining chunks itself instead of waiting at a barrier. Running the chunks on oneDNN's
/// OpenMP team instead was measured 1.5 times slower per training step on a 2-core machine
/// loaded by other processes, because every parallel region ended in a spinning barrier.
enum Parallel {
    static let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Number of chunks `forEachChunk(count:grain:)` uses.
    static func chunkCount(_ count: Int, grain: Int) -> Int {
        guard count > 0 else { return 0 }
        return max(1, min(workers, count / max(grain, 1)))
    }

    /// Calls `body(chunk, range)` once per chunk, in parallel when there is more than one chunk.
    static func forEachChunk(count: Int, grain: Int, _ body: (Int, Range<Int>) -> Void) {
        let chunks = chunkCount(count, grain: grain)
        guard chunks > 1 else {
            if count > 0 { body(0, 0..<count) }
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(chunk, count * chunk / chunks ..< count * (chunk + 1) / chunks)
        }
    }

    /// Calls `body(i)` for every item in `0..<count`, chunked as `forEachChunk`.
    static func forEach(count: Int, grain: Int, _ body: (Int) -> Void) {
        forEachChunk(count: count, grain: grain) { _, range in
            for i in range { body(i) }
        }
    }
}
