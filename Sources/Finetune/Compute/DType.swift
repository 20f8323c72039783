/// Element type of a tensor's storage.
///
/// Arithmetic always runs in `Float`. The 16-bit types are storage formats that kernels widen to
/// fp32 on load and round (to nearest, ties to even) on store.
public enum DType: String, Sendable, CaseIterable, Codable {
    case float32
    case bfloat16
    case float16

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float32: return 4
        case .bfloat16, .float16: return 2
        }
    }

    /// Creates the storage type of matrix-product inputs in `precision`.
    public init(_ precision: Precision) {
        switch precision {
        case .fp32: self = .float32
        case .bf16: self = .bfloat16
        case .fp16: self = .float16
        }
    }
}

/// Scalar conversions between fp32 and the 16-bit storage formats.
public enum HalfConversion {
    /// Rounds `value` to bfloat16 (nearest, ties to even) and returns its bit pattern.
    /// NaN stays NaN (quiet), infinities stay infinite.
    @inline(__always)
    public static func bfloat16Bits(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        if value.isNaN { return UInt16(truncatingIfNeeded: bits >> 16) | 0x0040 }
        // Adding 0x7FFF plus the lowest kept bit rounds to nearest with ties to even.
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }

    /// Widens a bfloat16 bit pattern to fp32 (exact).
    @inline(__always)
    public static func float(bfloat16Bits bits: UInt16) -> Float {
        Float(bitPattern: UInt32(bits) << 16)
    }

    /// Rounds `value` to IEEE binary16 (nearest, ties to even) and returns its bit pattern.
    @inline(__always)
    public static func float16Bits(_ value: Float) -> UInt16 {
        Float16(value).bitPattern
    }

    /// Widens an IEEE binary16 bit pattern to fp32 (exact).
    @inline(__always)
    public static func float(float16Bits bits: UInt16) -> Float {
        Float(Float16(bitPattern: bits))
    }
}
