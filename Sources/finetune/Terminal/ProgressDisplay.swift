import Finetune

/// Renders training events: one updating bar per epoch on a terminal, plain lines otherwise.
final class ProgressDisplay {
    private let terminal: Bool
    /// Steps between plain lines when standard error is not a terminal.
    private let lineEvery: Int
    private let label: String
    private var epochs = 0
    private var barOpen = false

    /// `label` prefixes every line, e.g. "bf16" in `compare`.
    init(lineEvery: Int, label: String = "", terminal: Bool = Console.errorIsTerminal) {
        self.terminal = terminal
        self.lineEvery = max(1, lineEvery)
        self.label = label.isEmpty ? "" : "[\(label)] "
    }

    func handle(_ event: TrainingEvent) {
        switch event {
        case let .started(totalSteps, stepsPerEpoch):
            epochs = stepsPerEpoch.count
            Console.log("\(label)Training: \(totalSteps) step\(totalSteps == 1 ? "" : "s") in \(epochs) epoch\(epochs == 1 ? "" : "s")")
        case .epochStarted:
            break
        case let .step(report):
            showStep(report)
        case let .stepSkipped(step, scale):
            closeBar()
            Console.log("\(label)step \(step): fp16 gradients overflowed, step skipped, loss scale now \(formatScale(scale))")
        case let .epochFinished(epoch, trainLoss, validationLoss, elapsed):
            closeBar()
            var line = "\(label)epoch \(epoch)/\(epochs): train loss \(format4(trainLoss))"
            if let validationLoss { line += ", validation loss \(format4(validationLoss))" }
            Console.log(line + ", elapsed \(formatDuration(elapsed))")
        case let .checkpointSaved(url):
            Console.log("\(label)saved checkpoint to \(url.path)")
        }
    }

    private func showStep(_ report: StepReport) {
        let scale = report.lossScale.map { " | scale \(formatScale($0))" } ?? ""
        let speed = String(format: "%.1f ex/s", report.examplesPerSecond)
        if terminal {
            let width = 24
            let filled = width * report.stepInEpoch / max(1, report.stepsInEpoch)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            Console.overwrite("\(label)epoch \(report.epoch)/\(epochs) \(bar) \(report.stepInEpoch)/\(report.stepsInEpoch) "
                + "| loss \(format4(report.loss)) | \(speed)\(scale) | ETA \(formatDuration(report.etaSeconds))")
            barOpen = true
        } else if report.step % lineEvery == 0 || report.stepInEpoch == report.stepsInEpoch {
            Console.log("\(label)step \(report.step)/\(report.totalSteps) epoch \(report.epoch) loss \(format4(report.loss)) "
                + "lr \(report.learningRate) \(speed)\(scale) ETA \(formatDuration(report.etaSeconds))")
        }
    }

    private func closeBar() {
        if barOpen {
            Console.log("")
            barOpen = false
        }
    }

    private func format4(_ value: Float) -> String { String(format: "%.4f", value) }
    private func formatScale(_ value: Float) -> String { value >= 1 ? String(Int(value)) : String(value) }
}
