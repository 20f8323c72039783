import Foundation
import Testing
import Finetune

/// Mixed precision against torch.autocast("cpu", torch.bfloat16) and against fp32.
@Suite struct ModelPrecisionTests {
    static let models = ["roberta-tiny", "bert-tiny"]

    func fileName(_ name: String, _ parameter: String) -> String {
        parameter.hasPrefix("classifier.") ? parameter : (name.hasPrefix("roberta") ? "roberta." : "bert.") + parameter
    }

    @Test(arguments: models)
    func bf16LogitsMatchAutocast(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        model.precision = .bf16
        let expected = try ModelFixtures.expected(name)
        let (logits, loss) = try model.predict(try ModelFixtures.batch(name))
        // bf16 keeps 8 significant bits (rounding error up to 2^-9 ≈ 2e-3 relative per value).
        // Autocast also rounds the head, attention and GELU, which stay fp32 here. Logits are O(0.1).
        let mismatch = compare(logits, try expected.floats("bf16.logits"), atol: 2e-3)
        #expect(mismatch == nil, "\(name) bf16 logits: \(mismatch.map(String.init(describing:)) ?? "")")
        #expect(abs(loss! - (try expected.floats("bf16.loss"))[0]) < 1e-3)
    }

    @Test(arguments: models)
    func bf16GradientsStayWithinAutocastNoise(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        model.precision = .bf16
        let expected = try ModelFixtures.expected(name)
        _ = try model.computeGradients(try ModelFixtures.batch(name), lossScale: 1, dropoutSeed: 0)
        for named in model.namedParameters {
            let file = fileName(name, named.name)
            let autocast = try expected.floats("bf16.grad.\(file)")
            let float32 = try expected.floats("grad.\(file)")
            let actual = Array(UnsafeBufferPointer(start: named.gradients, count: named.count))
            // Both sides round the same fp32 computation to bf16 at different points, so the gap
            // between them is bounded by a multiple of autocast's own distance from fp32
            // (observed ratio at most 1.5).
            let noise = maxAbsDifference(autocast, float32)
            let mismatch = compare(actual, autocast, atol: 3 * noise + 1e-8)
            #expect(mismatch == nil, "\(name) bf16 gradient of \(file) (autocast noise \(noise)): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test(arguments: models)
    func fp16WithLossScaleTracksFloat32(_ name: String) throws {
        let model = try ModelFixtures.load(name)
        model.precision = .fp16
        let expected = try ModelFixtures.expected(name)
        let batch = try ModelFixtures.batch(name)
        let logits = try model.predict(batch).logits
        // fp16 keeps 11 significant bits (2^-12 ≈ 2.4e-4 relative rounding per value).
        let logitMismatch = compare(logits, try expected.floats("logits"), atol: 1e-3)
        #expect(logitMismatch == nil, "\(name) fp16 logits: \(logitMismatch.map(String.init(describing:)) ?? "")")

        // A loss scale of 1024 lifts the small gradients out of fp16's subnormal range.
        _ = try model.computeGradients(batch, lossScale: 1024, dropoutSeed: 0)
        #expect(model.unscaleGradients(by: 1024))
        for named in model.namedParameters {
            let file = fileName(name, named.name)
            let float32 = try expected.floats("grad.\(file)")
            let actual = Array(UnsafeBufferPointer(start: named.gradients, count: named.count))
            let scale = float32.map(abs).max() ?? 0
            let mismatch = compare(actual, float32, atol: 1e-2 * scale + 1e-9)
            #expect(mismatch == nil, "\(name) fp16 gradient of \(file) (max |g| \(scale)): \(mismatch.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func switchingBackToFloat32IsExact() throws {
        let model = try ModelFixtures.load("roberta-tiny")
        let batch = try ModelFixtures.batch("roberta-tiny")
        let float32 = try model.predict(batch).logits
        model.precision = .bf16
        let bfloat16 = try model.predict(batch).logits
        #expect(bfloat16 != float32)
        model.precision = .fp32
        #expect(try model.predict(batch).logits == float32)
    }

    @Test func optimizerRefreshesHalfWeights() throws {
        let model = try ModelFixtures.load("bert-tiny")
        let batch = try ModelFixtures.batch("bert-tiny")
        model.precision = .bf16
        let optimizer = AdamW(model: model)
        for _ in 0..<2 {
            _ = try model.computeGradients(batch, lossScale: 1, dropoutSeed: 0)
            optimizer.step(learningRate: 1e-2)
        }
        let afterSteps = try model.predict(batch).logits
        // Rebuilding the copies from the fp32 masters must give the same logits.
        model.precision = .fp32
        model.precision = .bf16
        #expect(try model.predict(batch).logits == afterSteps)
    }
}
