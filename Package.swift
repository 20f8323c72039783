// swift-tools-version:6.0
import PackageDescription

// The Swift SIMD kernels in Sources/Finetune/Compute/CPU need AVX2 and FMA: without them
// `addingProduct` on SIMD vectors compiles to one `fmaf` call per lane. x86-64-v3 covers
// x86 CPUs from 2013 on (Intel Haswell, AMD Excavator).
// Debug builds optimise the library too: unoptimised SIMD code runs about 100 times slower,
// which turns a forward pass over 512 tokens in the tests into minutes.
#if arch(x86_64)
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-march=x86-64-v3"]), .unsafeFlags(["-O"], .when(configuration: .debug))]
#else
let simdFlags: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#endif

let package = Package(
    name: "swift-finetune",
    products: [
        .library(name: "Finetune", targets: ["Finetune"]),
        .executable(name: "finetune", targets: ["finetune"]),
    ],
    targets: [
        // oneDNN from Debian's libdnnl-dev: every matrix product on CPU.
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL", providers: [.apt(["libdnnl-dev"])]),
        // zlib and zstd from Debian: GZIP and ZSTD pages in Parquet files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CZstd", path: "Sources/CZstd", providers: [.apt(["libzstd-dev"])]),
        .target(
            name: "Finetune",
            dependencies: ["CDNNL", "CZlib", "CZstd"],
            swiftSettings: simdFlags
        ),
        .executableTarget(name: "finetune", dependencies: ["Finetune"]),
        .testTarget(
            name: "FinetuneTests",
            dependencies: ["Finetune"],
            resources: [.copy("Fixtures")]
        ),
    ],
    swiftLanguageModes: [.v5]
)
