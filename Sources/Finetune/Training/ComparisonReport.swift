import Foundation

/// One precision's row in a `compare` report.
public struct PrecisionRun: Codable, Sendable, Equatable {
    public var precision: String
    public var trainSeconds: Double
    public var totalSeconds: Double
    public var validationLossPerEpoch: [Float]
    public var testLoss: Float?
    public var accuracy: Double
    /// Weighted precision, recall and F1 (scikit-learn's average="weighted", zero_division=0).
    public var precisionWeighted: Double
    public var recallWeighted: Double
    public var f1Weighted: Double
    public var f1Macro: Double
    public var peakMemoryBytes: Int?
    public var skippedSteps: Int
    public var testExamples: Int

    enum CodingKeys: String, CodingKey {
        case precision
        case trainSeconds = "train_seconds"
        case totalSeconds = "total_seconds"
        case validationLossPerEpoch = "validation_loss_per_epoch"
        case testLoss = "test_loss"
        case accuracy
        case precisionWeighted = "precision_weighted"
        case recallWeighted = "recall_weighted"
        case f1Weighted = "f1_weighted"
        case f1Macro = "f1_macro"
        case peakMemoryBytes = "peak_memory_bytes"
        case skippedSteps = "skipped_steps"
        case testExamples = "test_examples"
    }

    public init(precision: String, trainSeconds: Double, totalSeconds: Double, validationLossPerEpoch: [Float],
                testLoss: Float?, accuracy: Double, precisionWeighted: Double, recallWeighted: Double,
                f1Weighted: Double, f1Macro: Double, peakMemoryBytes: Int?, skippedSteps: Int, testExamples: Int) {
        self.precision = precision
        self.trainSeconds = trainSeconds
        self.totalSeconds = totalSeconds
        self.validationLossPerEpoch = validationLossPerEpoch
        self.testLoss = testLoss
        self.accuracy = accuracy
        self.precisionWeighted = precisionWeighted
        self.recallWeighted = recallWeighted
        self.f1Weighted = f1Weighted
        self.f1Macro = f1Macro
        self.peakMemoryBytes = peakMemoryBytes
        self.skippedSteps = skippedSteps
        self.testExamples = testExamples
    }
}

/// The fp32-versus-mixed-precision comparison that `finetune compare` writes as `report.md`,
/// `report.json` and `chart.svg`.
public struct ComparisonReport: Codable, Sendable, Equatable {
    public var model: String
    public var data: String
    public var settings: [String: String]
    public var cpu: String
    /// Runs in the order they were trained; the first is the baseline for speed-ups.
    public var runs: [PrecisionRun]

    public init(model: String, data: String, settings: [String: String], cpu: String, runs: [PrecisionRun]) {
        self.model = model
        self.data = data
        self.settings = settings
        self.cpu = cpu
        self.runs = runs
    }

    /// Training-time speed-up of each run over the first: baseline seconds / run seconds.
    public func speedUp(_ run: PrecisionRun) -> Double {
        guard let baseline = runs.first, run.trainSeconds > 0 else { return 1 }
        return baseline.trainSeconds / run.trainSeconds
    }

    /// Renders the side-by-side table that the tool prints and `report.md` contains.
    public func table() -> String {
        var rows: [[String]] = [["precision", "train time", "speed-up", "val loss (per epoch)", "accuracy", "precision", "recall", "F1", "peak memory"]]
        for run in runs {
            rows.append([
                run.precision,
                String(format: "%.1f s", run.trainSeconds),
                String(format: "%.2fx", speedUp(run)),
                run.validationLossPerEpoch.map { String(format: "%.4f", $0) }.joined(separator: " / "),
                String(format: "%.4f", run.accuracy),
                String(format: "%.4f", run.precisionWeighted),
                String(format: "%.4f", run.recallWeighted),
                String(format: "%.4f", run.f1Weighted),
                run.peakMemoryBytes.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "n/a",
            ])
        }
        return markdownTable(rows)
    }

    public func markdown() -> String {
        let settingLines = settings.keys.sorted().map { "- \($0): \(settings[$0]!)" }
        return """
        # fp32 versus mixed precision

        Model: `\(model)`. Data: `\(data)`. CPU: \(cpu).

        \(table())

        Precision, recall and F1 are weighted by class support, as scikit-learn's
        `precision_recall_fscore_support(average="weighted", zero_division=0)` computes them,
        on the test split. Train time counts forward, backward and optimizer steps; validation
        and checkpoint writes are left out. Speed-up is relative to the first row.

        ![training time and validation loss](chart.svg)

        Settings:
        \(settingLines.joined(separator: "\n"))

        """
    }

    /// Writes `report.md`, `report.json` and `chart.svg` into `folder`, each atomically.
    public func write(to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: folder.appendingPathComponent("report.json"), options: .atomic)
        try Data(markdown().utf8).write(to: folder.appendingPathComponent("report.md"), options: .atomic)
        try Data(ComparisonChart(report: self).svg().utf8).write(to: folder.appendingPathComponent("chart.svg"), options: .atomic)
    }
}

/// Renders rows as a Markdown table whose columns line up in plain text too.
func markdownTable(_ rows: [[String]]) -> String {
    guard let header = rows.first else { return "" }
    let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        "| " + zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ") + " |"
    }
    let rule = "|" + widths.map { String(repeating: "-", count: $0 + 2) }.joined(separator: "|") + "|"
    return ([line(header), rule] + rows.dropFirst().map(line)).joined(separator: "\n")
}
