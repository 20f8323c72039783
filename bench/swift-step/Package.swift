// swift-tools-version:6.0
// The Swift side of bench/bench_step.py: times training steps of a roberta-base-shaped model
// through TrainingStepBenchmark, the function `finetune bench` uses.
import PackageDescription

let package = Package(
    name: "swift-step",
    dependencies: [.package(name: "swift-finetune", path: "../..")],
    targets: [
        .executableTarget(name: "swift-step", dependencies: [.product(name: "Finetune", package: "swift-finetune")]),
    ],
    swiftLanguageModes: [.v5]
)
