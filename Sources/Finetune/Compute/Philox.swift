import Foundation

/// Philox4x32-10, the counter-based generator of Salmon et al., "Parallel random numbers:
/// as easy as 1, 2, 3" (SC 2011).
///
/// A (key, counter) pair maps to four 32-bit words with no hidden state, so any stream
/// position can be computed directly. Initialisation, shuffling and dropout all draw from
/// it, which makes a run reproducible from its seed, and a GPU kernel can draw the same
/// dropout mask by evaluating the same (key, counter).
public struct Philox: Sendable {
    public let key: (UInt32, UInt32)
    /// The next block index; each block yields four words.
    public var counter: UInt64

    public init(seed: UInt64, stream: UInt64 = 0) {
        key = (UInt32(truncatingIfNeeded: seed), UInt32(truncatingIfNeeded: seed >> 32))
        counter = stream << 40
    }

    /// Returns the four words of block `index` without moving the stream.
    public func block(_ index: UInt64) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = (UInt32(truncatingIfNeeded: index), UInt32(truncatingIfNeeded: index >> 32), UInt32(0), UInt32(0))
        var k = key

        // Ten rounds; the multipliers and Weyl constants are the published Philox4x32 values.
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) * UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) * UInt64(c.2)
            c = (UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                 UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0))
        }
        return c
    }

    /// Returns the next 32 random bits, using one word of a fresh block.
    public mutating func nextUInt32() -> UInt32 {
        let word = block(counter).0
        counter &+= 1
        return word
    }

    /// Returns a uniform value in [0, 1) with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(nextUInt32() >> 8) * (1.0 / 16_777_216.0)
    }

    /// Returns a normally distributed value (Box-Muller on one block).
    public mutating func nextNormal(mean: Float = 0, std: Float = 1) -> Float {
        let words = block(counter)
        counter &+= 1
        let u1 = (Float(words.0 >> 8) + 1) * (1.0 / 16_777_217.0)
        let u2 = Float(words.1 >> 8) * (1.0 / 16_777_216.0)
        let radius = (-2 * logf(u1)).squareRoot()
        return mean + std * radius * cosf(2 * Float.pi * u2)
    }

    /// Returns a uniform integer in 0..<upperBound, without modulo bias.
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "Philox.nextInt: upperBound \(upperBound) must be positive")
        let bound = UInt64(upperBound)
        let limit = UInt64.max - (UInt64.max % bound)
        while true {
            let value = UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
            if value < limit { return Int(value % bound) }
        }
    }

    /// Shuffles `values` in place (Fisher-Yates).
    public mutating func shuffle<T>(_ values: inout [T]) {
        guard values.count > 1 else { return }
        for i in stride(from: values.count - 1, to: 0, by: -1) {
            values.swapAt(i, nextInt(below: i + 1))
        }
    }
}
