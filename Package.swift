// swift-tools-version:6.0
import PackageDescription

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
            dependencies: ["CDNNL", "CZlib", "CZstd"]
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
