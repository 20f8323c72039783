/// A block of 64-byte aligned host memory that one or more tensors view.
///
/// Tensors keep their block alive, so an arena can replace its block while views of the old
/// one still exist.
public final class TensorStorage {
    public let byteCount: Int
    public let base: UnsafeMutableRawPointer

    /// Allocates `byteCount` bytes, zero-filled.
    public init(byteCount: Int) {
        precondition(byteCount >= 0, "TensorStorage: negative byteCount \(byteCount)")
        self.byteCount = byteCount
        base = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 64), alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: max(byteCount, 64))
    }

    deinit { base.deallocate() }
}

/// A dense row-major array of `shape` elements of `dtype`, viewing part of a `TensorStorage`.
///
/// Tensors are views: kernels write into them in place, and two tensors can share memory
/// (for example each named parameter views one flat parameter block).
public final class Tensor {
    public let shape: [Int]
    public let dtype: DType
    /// Number of elements (the product of `shape`).
    public let count: Int
    public let storage: TensorStorage
    public let byteOffset: Int
    /// First byte of this tensor's elements.
    public let data: UnsafeMutableRawPointer

    /// Allocates a zero-filled tensor with its own storage.
    public convenience init(shape: [Int], dtype: DType = .float32) {
        let count = shape.reduce(1, *)
        self.init(storage: TensorStorage(byteCount: count * dtype.byteSize), byteOffset: 0, shape: shape, dtype: dtype)
    }

    /// Views `shape` elements of `dtype` at `byteOffset` into `storage`.
    public init(storage: TensorStorage, byteOffset: Int, shape: [Int], dtype: DType) {
        let count = shape.reduce(1, *)
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative dimension in \(shape)")
        precondition(byteOffset >= 0 && byteOffset + count * dtype.byteSize <= storage.byteCount,
                     "Tensor: view \(shape) \(dtype) at byte \(byteOffset) exceeds storage of \(storage.byteCount) bytes")
        self.shape = shape
        self.dtype = dtype
        self.count = count
        self.storage = storage
        self.byteOffset = byteOffset
        self.data = storage.base + byteOffset
    }

    /// Size in bytes of the elements.
    public var byteCount: Int { count * dtype.byteSize }

    /// The elements as fp32; the tensor must be float32.
    public var floats: UnsafeMutablePointer<Float> {
        precondition(dtype == .float32, "Tensor.floats: dtype is \(dtype), expected float32")
        return data.assumingMemoryBound(to: Float.self)
    }

    /// The raw 16-bit elements; the tensor must be bfloat16 or float16.
    public var halves: UnsafeMutablePointer<UInt16> {
        precondition(dtype != .float32, "Tensor.halves: dtype is float32, expected a 16-bit type")
        return data.assumingMemoryBound(to: UInt16.self)
    }

    /// Number of rows when viewed as a matrix whose rows are the last dimension.
    public var rows: Int { shape.isEmpty ? 1 : count / max(shape[shape.count - 1], 1) }
    /// Length of the last dimension.
    public var columns: Int { shape.last ?? 1 }

    /// Returns a view of the same elements with another shape of equal element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "Tensor.reshaped: \(shape) -> \(newShape) changes the element count")
        return Tensor(storage: storage, byteOffset: byteOffset, shape: newShape, dtype: dtype)
    }

    /// Copies the elements out as fp32, widening 16-bit types.
    public func toFloatArray() -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            switch dtype {
            case .float32:
                buffer.baseAddress!.update(from: floats, count: count)
            case .bfloat16:
                for i in 0..<count { buffer[i] = HalfConversion.float(bfloat16Bits: halves[i]) }
            case .float16:
                for i in 0..<count { buffer[i] = HalfConversion.float(float16Bits: halves[i]) }
            }
            initialized = count
        }
    }

    /// Overwrites the elements from fp32 values, rounding to nearest for 16-bit types.
    public func copy(from values: [Float]) {
        precondition(values.count == count, "Tensor.copy: \(values.count) values for \(count) elements of \(shape)")
        values.withUnsafeBufferPointer { source in
            switch dtype {
            case .float32:
                floats.update(from: source.baseAddress!, count: count)
            case .bfloat16:
                for i in 0..<count { halves[i] = HalfConversion.bfloat16Bits(source[i]) }
            case .float16:
                for i in 0..<count { halves[i] = HalfConversion.float16Bits(source[i]) }
            }
        }
    }

    /// Sets every byte to zero.
    public func zero() {
        data.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
    }
}

/// Activation memory for one (batch, sequence length) shape, carved into tensors.
///
/// `reset()` starts carving from the beginning again. A request past the capacity grows the block
/// on the next `reset(minimumBytes:)`, so after the first step of the largest shape no step allocates
/// tensor memory. Tensors carved before a growth keep the old block alive.
public final class Arena {
    public private(set) var storage: TensorStorage
    private var used = 0
    /// Bytes requested since the last reset, including requests that did not fit.
    public private(set) var requested = 0

    public init(byteCount: Int = 0) {
        storage = TensorStorage(byteCount: byteCount)
    }

    public var capacity: Int { storage.byteCount }

    /// Starts carving from the beginning. Grows the block first when it is smaller than `minimumBytes`.
    public func reset(minimumBytes: Int = 0) {
        if minimumBytes > storage.byteCount {
            storage = TensorStorage(byteCount: minimumBytes)
        }
        used = 0
        requested = 0
    }

    /// Carves a tensor; its contents are whatever the block held before (not zeroed).
    /// When the block is full the tensor gets its own storage and `requested` records the shortfall,
    /// so the caller can size the next `reset` to fit.
    public func tensor(_ shape: [Int], _ dtype: DType = .float32) -> Tensor {
        let bytes = shape.reduce(1, *) * dtype.byteSize
        let aligned = (bytes + 63) & ~63
        requested += aligned
        if used + aligned <= storage.byteCount {
            let view = Tensor(storage: storage, byteOffset: used, shape: shape, dtype: dtype)
            used += aligned
            return view
        }
        return Tensor(shape: shape, dtype: dtype)
    }
}
