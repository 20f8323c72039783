import Testing
import Finetune

@Suite struct LossScalerTests {
    @Test func defaultsMatchGradScaler() {
        let scaler = LossScaler()
        #expect(scaler.scale == 65536)
        #expect(scaler.growthFactor == 2)
        #expect(scaler.backoffFactor == 0.5)
        #expect(scaler.growthInterval == 2000)
    }

    @Test func oneOverflowSkipsAndHalves() throws {
        var scaler = LossScaler()
        #expect(try scaler.update(gradientsFinite: true))
        #expect(try !scaler.update(gradientsFinite: false))
        #expect(scaler.scale == 32768)
        #expect(scaler.totalSkips == 1)
        #expect(scaler.cleanSteps == 0)
        #expect(try scaler.update(gradientsFinite: true))
        #expect(scaler.consecutiveSkips == 0)
    }

    @Test func growsAfterInterval() throws {
        var scaler = LossScaler(initialScale: 1024, growthInterval: 3)
        for _ in 0..<2 { _ = try scaler.update(gradientsFinite: true) }
        #expect(scaler.scale == 1024)
        _ = try scaler.update(gradientsFinite: true)
        #expect(scaler.scale == 2048)
        #expect(scaler.cleanSteps == 0)
    }

    @Test func overflowRestartsGrowthCount() throws {
        var scaler = LossScaler(initialScale: 1024, growthInterval: 3)
        _ = try scaler.update(gradientsFinite: true)
        _ = try scaler.update(gradientsFinite: true)
        _ = try scaler.update(gradientsFinite: false)
        _ = try scaler.update(gradientsFinite: true)
        _ = try scaler.update(gradientsFinite: true)
        #expect(scaler.scale == 512)
        _ = try scaler.update(gradientsFinite: true)
        #expect(scaler.scale == 1024)
    }

    @Test func persistentOverflowStops() {
        var scaler = LossScaler(initialScale: 8)
        #expect(throws: TrainingError.lossScaleCollapsed(scale: 0.5, consecutiveSkips: 4)) {
            for _ in 0..<10 { _ = try scaler.update(gradientsFinite: false) }
        }
    }

    @Test func consecutiveSkipLimitStops() {
        var scaler = LossScaler(initialScale: 65536, maxConsecutiveSkips: 3)
        #expect(throws: TrainingError.self) {
            for _ in 0..<3 { _ = try scaler.update(gradientsFinite: false) }
        }
        #expect(scaler.scale == 8192)
    }
}

@Suite struct LearningRateScheduleTests {
    @Test func constantIgnoresStep() {
        let schedule = LearningRateSchedule(kind: .constant, peak: 5e-5, totalSteps: 100)
        #expect(schedule.rate(atStep: 0) == 5e-5)
        #expect(schedule.rate(atStep: 99) == 5e-5)
    }

    // Values from transformers' get_linear_schedule_with_warmup(warmup=10, total=100), lr 1.0.
    @Test func linearWithWarmup() {
        let schedule = LearningRateSchedule(kind: .linear, peak: 1, warmupSteps: 10, totalSteps: 100)
        #expect(schedule.rate(atStep: 0) == 0)
        #expect(schedule.rate(atStep: 5) == 0.5)
        #expect(schedule.rate(atStep: 10) == 1)
        #expect(abs(schedule.rate(atStep: 55) - 0.5) < 1e-7)
        #expect(schedule.rate(atStep: 100) == 0)
    }
}
