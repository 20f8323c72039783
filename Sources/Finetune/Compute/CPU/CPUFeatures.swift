import Foundation

/// The instruction-set features that decide how fast each precision runs on this CPU, read from
/// `/proc/cpuinfo` (Linux).
public struct CPUFeatures: Sendable, Equatable {
    public var modelName: String
    public var logicalCores: Int
    public var avx2: Bool
    public var avx512: Bool
    /// AVX512-BF16: bf16 dot products, which oneDNN's bf16 matmul uses.
    public var avx512BF16: Bool
    /// AMX tiles with bf16 support (Sapphire Rapids and later).
    public var amxBF16: Bool
    /// AVX512-FP16 arithmetic, which few CPUs have.
    public var avx512FP16: Bool

    /// True when bf16 matrix products have hardware support, so bf16 is the fast mode.
    public var hasFastBF16: Bool { avx512BF16 || amxBF16 }

    public static let current: CPUFeatures = detect(cpuinfo: (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "")

    /// Parses the first processor block of a `/proc/cpuinfo` text.
    public static func detect(cpuinfo: String) -> CPUFeatures {
        var model = "unknown CPU"
        var flags = Set<Substring>()
        for line in cpuinfo.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            if key == "model name", model == "unknown CPU" {
                model = parts[1].trimmingCharacters(in: .whitespaces)
            } else if key == "flags", flags.isEmpty {
                flags = Set(parts[1].split(separator: " "))
            }
        }
        return CPUFeatures(
            modelName: model,
            logicalCores: ProcessInfo.processInfo.activeProcessorCount,
            avx2: flags.contains("avx2"),
            avx512: flags.contains("avx512f"),
            avx512BF16: flags.contains("avx512_bf16"),
            amxBF16: flags.contains("amx_bf16"),
            avx512FP16: flags.contains("avx512_fp16")
        )
    }

    /// A short list such as "AVX2, AVX512, AVX512-BF16".
    public var summary: String {
        var names: [String] = []
        if avx2 { names.append("AVX2") }
        if avx512 { names.append("AVX512") }
        if avx512BF16 { names.append("AVX512-BF16") }
        if amxBF16 { names.append("AMX-BF16") }
        if avx512FP16 { names.append("AVX512-FP16") }
        return names.isEmpty ? "no AVX2" : names.joined(separator: ", ")
    }
}
