import Foundation
import Testing
import Finetune

/// The real tiny RoBERTa from the model fixtures, with an inf written into one gradient on
/// chosen steps: the fp16 overflow a loss scaler must catch.
final class OverflowInjectingClassifier: TrainableClassifier {
    let model: SequenceClassifier
    let overflowSteps: Set<Int>
    private(set) var calls = 0

    init(model: SequenceClassifier, overflowSteps: Set<Int>) {
        self.model = model
        self.overflowSteps = overflowSteps
    }

    var labelNames: [String] { model.labelNames }
    var precision: Precision {
        get { model.precision }
        set { model.precision = newValue }
    }

    func predict(_ batch: Batch) throws -> (logits: [Float], loss: Float?) { try model.predict(batch) }

    func computeGradients(_ batch: Batch, lossScale: Float, dropoutSeed: UInt64) throws -> Float {
        calls += 1
        let loss = try model.computeGradients(batch, lossScale: lossScale, dropoutSeed: dropoutSeed)
        if overflowSteps.contains(calls) { model.parameterGradients.floats[3] = .infinity }
        return loss
    }

    func unscaleGradients(by scale: Float) -> Bool { model.unscaleGradients(by: scale) }
    func gradientNorm() -> Float { model.gradientNorm() }
    func clipGradients(maxNorm: Float) -> Float { model.clipGradients(maxNorm: maxNorm) }
    func locateNonFinite(_ batch: Batch) -> String? { model.locateNonFinite(batch) }
    func save(to folder: URL, tokenizerSource: URL?) throws { try model.save(to: folder, tokenizerSource: tokenizerSource) }
}

@Suite struct TrainerTests {
    static func tinySetup(overflowSteps: Set<Int>) throws -> (OverflowInjectingClassifier, AdamW, Batch) {
        let model = try ModelFixtures.load("roberta-tiny")
        let batch = try ModelFixtures.batch("roberta-tiny")
        return (OverflowInjectingClassifier(model: model, overflowSteps: overflowSteps), AdamW(model: model), batch)
    }

    static func options(_ precision: Precision, steps: Int) -> TrainingOptions {
        var options = TrainingOptions()
        options.precision = precision
        options.epochs = 1
        options.maxSteps = steps
        options.learningRate = 1e-3
        options.logEvery = 1
        return options
    }

    @Test func fp16OverflowSkipsOneStep() throws {
        let (classifier, optimizer, batch) = try Self.tinySetup(overflowSteps: [2])
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("trainer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }

        // Weights after step 1 must equal weights after the skipped step 2.
        var weightsAfter: [Int: [Float]] = [:]
        let trainer = Trainer(model: classifier, optimizer: optimizer, options: Self.options(.fp16, steps: 4),
                              trainBatches: { _ in Array(repeating: batch, count: 4) }, validationBatches: [batch],
                              output: output, tokenizerSource: nil)
        var skipped: [Int] = []
        let summary = try trainer.run { event in
            switch event {
            case let .step(report): weightsAfter[report.step] = classifier.model.parameterValues.toFloatArray()
            case let .stepSkipped(step, _): skipped.append(step)
            default: break
            }
        }

        #expect(skipped == [2])
        #expect(summary.skippedSteps == 1)
        #expect(summary.steps == 4)
        #expect(summary.optimizerSteps == 3)
        #expect(summary.finalLossScale == 32768)
        #expect(weightsAfter[1] == weightsAfter[2])
        #expect(weightsAfter[2] != weightsAfter[3])

        // metrics.jsonl survives the checkpoint and carries loss scale and skips.
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let records = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let stepRecords = records.filter { $0["step"] != nil }
        #expect(stepRecords.count == 4)
        #expect((stepRecords[0]["loss_scale"] as? NSNumber)?.floatValue == 65536)
        #expect((stepRecords[1]["loss_scale"] as? NSNumber)?.floatValue == 32768)
        #expect((stepRecords[3]["skipped_steps"] as? NSNumber)?.intValue == 1)
        for record in stepRecords {
            let loss = (record["loss"] as? NSNumber)?.floatValue ?? .nan
            #expect(loss.isFinite)
        }
        let epochRecord = try #require(records.first { $0["val_loss"] != nil })
        let validationLoss = (epochRecord["val_loss"] as? NSNumber)?.floatValue ?? .nan
        #expect(validationLoss.isFinite)
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("model.safetensors").path))
    }

    @Test func fp16MatchesFp32WithoutOverflow() throws {
        // Loss scaling is exact in fp32 arithmetic up to rounding, so fp16 steps (16-bit
        // storage, fp32 compute) track fp32 closely on the tiny model.
        var losses: [Precision: [Float]] = [:]
        for precision in [Precision.fp32, .fp16] {
            let (classifier, optimizer, batch) = try Self.tinySetup(overflowSteps: [])
            let trainer = Trainer(model: classifier, optimizer: optimizer, options: Self.options(precision, steps: 3),
                                  trainBatches: { _ in Array(repeating: batch, count: 3) }, validationBatches: [],
                                  output: nil, tokenizerSource: nil)
            var stepLosses: [Float] = []
            _ = try trainer.run { if case let .step(report) = $0 { stepLosses.append(report.loss) } }
            losses[precision] = stepLosses
        }
        for (a, b) in zip(losses[.fp32]!, losses[.fp16]!) {
            #expect(abs(a - b) < 1e-2, "fp32 \(a) against fp16 \(b)")
        }
    }

    @Test func fp32NonFiniteStopsWithStep() throws {
        let (classifier, optimizer, batch) = try Self.tinySetup(overflowSteps: [2])
        let trainer = Trainer(model: classifier, optimizer: optimizer, options: Self.options(.fp32, steps: 4),
                              trainBatches: { _ in Array(repeating: batch, count: 4) }, validationBatches: [],
                              output: nil, tokenizerSource: nil)
        #expect {
            _ = try trainer.run { _ in }
        } throws: { error in
            guard case let .nonFinite(step, _) = error as? TrainingError else { return false }
            return step == 2
        }
    }

    @Test func maxStepsStopsMidEpoch() throws {
        let (classifier, optimizer, batch) = try Self.tinySetup(overflowSteps: [])
        var options = Self.options(.fp32, steps: 5)
        options.epochs = 3
        let trainer = Trainer(model: classifier, optimizer: optimizer, options: options,
                              trainBatches: { _ in Array(repeating: batch, count: 2) }, validationBatches: [batch],
                              output: nil, tokenizerSource: nil)
        var epochsFinished: [Int] = []
        let summary = try trainer.run { if case let .epochFinished(epoch, _, _, _) = $0 { epochsFinished.append(epoch) } }
        #expect(summary.steps == 5)
        #expect(epochsFinished == [1, 2, 3])
        #expect(summary.validationLossPerEpoch.count == 3)
    }
}
