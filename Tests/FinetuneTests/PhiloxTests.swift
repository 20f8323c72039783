import Testing
import Finetune

@Suite struct PhiloxTests {
    // Known-answer vectors from the Random123 distribution (kat_vectors, philox4x32_10):
    // counter 0, key 0 gives 6627e8d5 e169c58d bc57ac4c 9b00dbd8.
    @Test func knownAnswerZero() {
        let generator = Philox(seed: 0)
        let words = generator.block(0)
        #expect(words.0 == 0x6627_E8D5)
        #expect(words.1 == 0xE169_C58D)
        #expect(words.2 == 0xBC57_AC4C)
        #expect(words.3 == 0x9B00_DBD8)
    }

    @Test func sameSeedSameStream() {
        var a = Philox(seed: 42)
        var b = Philox(seed: 42)
        for _ in 0..<100 { #expect(a.nextUInt32() == b.nextUInt32()) }
    }

    @Test func uniformMeanNearHalf() {
        var generator = Philox(seed: 7)
        var sum: Double = 0
        for _ in 0..<100_000 { sum += Double(generator.nextUniform()) }
        #expect(abs(sum / 100_000 - 0.5) < 0.01)
    }

    @Test func normalMomentsNearStandard() {
        var generator = Philox(seed: 9)
        var sum: Double = 0
        var sumSquares: Double = 0
        let n = 100_000
        for _ in 0..<n {
            let x = Double(generator.nextNormal())
            sum += x
            sumSquares += x * x
        }
        #expect(abs(sum / Double(n)) < 0.02)
        #expect(abs(sumSquares / Double(n) - 1) < 0.03)
    }

    @Test func shuffleIsPermutation() {
        var generator = Philox(seed: 3)
        var values = Array(0..<50)
        generator.shuffle(&values)
        #expect(values.sorted() == Array(0..<50))
        #expect(values != Array(0..<50))
    }
}
