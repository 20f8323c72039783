import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Splits loops over rows across the CPU cores.
///
/// A loop of `count` items is cut into at most `workers` contiguous chunks of at least
/// `grain` items, and chunk `i` always covers the same range, so per-chunk partial sums
/// combine in the same order on every run.
///
/// When libgomp (the OpenMP runtime of oneDNN's matrix products) is loaded, chunks run on its
/// thread team. The kernels between two products then reuse the threads oneDNN just left
/// spinning, so no second pool competes with them for the cores. Without libgomp, chunks run
/// through `DispatchQueue.concurrentPerform`.
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
        let range = { (chunk: Int) in count * chunk / chunks ..< count * (chunk + 1) / chunks }
        if let openMP = OpenMP.runtime {
            openMP.run(chunks: chunks) { chunk in body(chunk, range(chunk)) }
        } else {
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in body(chunk, range(chunk)) }
        }
    }

    /// Calls `body(i)` for every item in `0..<count`, chunked as `forEachChunk`.
    static func forEach(count: Int, grain: Int, _ body: (Int) -> Void) {
        forEachChunk(count: count, grain: grain) { _, range in
            for i in range { body(i) }
        }
    }
}

/// libgomp's entry points, found with dlsym in the already loaded library.
///
/// `GOMP_parallel(fn, data, threads, flags)` is the call GCC emits for `#pragma omp parallel`:
/// it runs fn(data) on a team of `threads` threads, the caller included, and returns when all
/// have finished.
struct OpenMP {
    typealias ParallelFunction = @convention(c) (
        @convention(c) (UnsafeMutableRawPointer?) -> Void, UnsafeMutableRawPointer?, UInt32, UInt32) -> Void
    typealias QueryFunction = @convention(c) () -> Int32

    let parallel: ParallelFunction
    let threadNumber: QueryFunction
    let teamSize: QueryFunction

    static let runtime: OpenMP? = {
        guard let handle = dlopen("libgomp.so.1", RTLD_NOW | RTLD_NOLOAD) ?? dlopen("libgomp.so.1", RTLD_NOW),
              let parallel = dlsym(handle, "GOMP_parallel"),
              let threadNumber = dlsym(handle, "omp_get_thread_num"),
              let teamSize = dlsym(handle, "omp_get_num_threads") else { return nil }
        return OpenMP(parallel: unsafeBitCast(parallel, to: ParallelFunction.self),
                      threadNumber: unsafeBitCast(threadNumber, to: QueryFunction.self),
                      teamSize: unsafeBitCast(teamSize, to: QueryFunction.self))
    }()

    /// The work and the query functions that each team thread reads, passed by pointer because
    /// a C callback cannot capture context.
    private struct Job {
        var chunks: Int
        var body: (Int) -> Void
        var threadNumber: QueryFunction
        var teamSize: QueryFunction
    }

    /// Runs body(0) ... body(chunks - 1) on a team of `chunks` threads. If libgomp grants a
    /// smaller team, each thread takes every team-size-th chunk.
    func run(chunks: Int, _ body: (Int) -> Void) {
        withoutActuallyEscaping(body) { body in
            var job = Job(chunks: chunks, body: body, threadNumber: threadNumber, teamSize: teamSize)
            withUnsafeMutablePointer(to: &job) { pointer in
                parallel({ data in
                    let job = data!.assumingMemoryBound(to: Job.self).pointee
                    let team = max(1, Int(job.teamSize()))
                    var chunk = Int(job.threadNumber())
                    while chunk < job.chunks {
                        job.body(chunk)
                        chunk += team
                    }
                }, pointer, UInt32(chunks), 0)
            }
        }
    }
}
