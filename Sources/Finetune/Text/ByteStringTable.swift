// Hash tables keyed by byte strings and id pairs, built for the tokenizers' inner loops: lookups take a
// pointer and a length, so no String or Array is created per word.

/// Hashes `count` bytes at `bytes`, eight at a time. Not cryptographic; tables only.
@inline(__always)
func hashBytes(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
    var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: count)
    var index = 0
    let raw = UnsafeRawPointer(bytes)
    while index + 8 <= count {
        let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self)
        hash = (hash ^ word) &* 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 31
        index += 8
    }
    var tail: UInt64 = 0
    var shift: UInt64 = 0
    while index < count {
        tail |= UInt64(bytes[index]) << shift
        shift += 8
        index += 1
    }
    hash = (hash ^ tail) &* 0x94D0_49BB_1331_11EB
    hash ^= hash >> 29
    return hash
}

/// Open-addressing map from byte strings to `Int32`, built once and then only read.
///
/// Keys live back to back in one byte array; a slot stores where its key starts, its length and the value.
/// Inserting an existing key replaces its value, as Python dict and Rust HashMap construction do.
struct ByteStringTable: Sendable {
    private struct Slot: Sendable {
        var hash: UInt32
        var keyStart: UInt32
        var keyLength: UInt32   // `UInt32.max` marks an empty slot
        var value: Int32
    }

    private var keyBytes: [UInt8] = []
    private var slots: [Slot]
    private var mask: Int
    private(set) var count = 0

    init(minimumCapacity: Int = 16) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(hash: 0, keyStart: 0, keyLength: .max, value: 0), count: size)
        mask = size - 1
    }

    /// Stores `value` for `key` and returns the value it replaces, if any.
    @discardableResult
    mutating func insert<Bytes: Collection>(_ key: Bytes, value: Int32) -> Int32? where Bytes.Element == UInt8 {
        if (count + 1) * 2 > slots.count { grow() }
        let bytes = Array(key)
        let hash = bytes.withUnsafeBufferPointer { buffer in
            withUnsafePointer(to: 0 as UInt8) { hashBytes(buffer.baseAddress ?? $0, buffer.count) }
        }
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].keyLength != .max {
            if slots[index].hash == UInt32(truncatingIfNeeded: hash), keyEquals(slots[index], bytes) {
                let previous = slots[index].value
                slots[index].value = value
                return previous
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(
            hash: UInt32(truncatingIfNeeded: hash), keyStart: UInt32(keyBytes.count),
            keyLength: UInt32(bytes.count), value: value)
        keyBytes.append(contentsOf: bytes)
        count += 1
        return nil
    }

    /// Calls `body` with every key and value, in no particular order.
    func forEach(_ body: (ArraySlice<UInt8>, Int32) -> Void) {
        for slot in slots where slot.keyLength != .max {
            let start = Int(slot.keyStart)
            body(keyBytes[start..<(start + Int(slot.keyLength))], slot.value)
        }
    }

    /// Value stored for the `count` bytes at `bytes`, or nil.
    @inline(__always)
    func value(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int32? {
        let hash = hashBytes(bytes, count)
        let shortHash = UInt32(truncatingIfNeeded: hash)
        return slots.withUnsafeBufferPointer { slotBuffer in
            keyBytes.withUnsafeBufferPointer { keyBuffer in
                var index = Int(truncatingIfNeeded: hash) & mask
                while true {
                    let slot = slotBuffer[index]
                    if slot.keyLength == .max { return nil }
                    if slot.hash == shortHash, Int(slot.keyLength) == count,
                       memoryEquals(keyBuffer.baseAddress! + Int(slot.keyStart), bytes, count) {
                        return slot.value
                    }
                    index = (index + 1) & mask
                }
            }
        }
    }

    private func keyEquals(_ slot: Slot, _ bytes: [UInt8]) -> Bool {
        guard Int(slot.keyLength) == bytes.count else { return false }
        let start = Int(slot.keyStart)
        return keyBytes[start..<(start + bytes.count)].elementsEqual(bytes)
    }

    private mutating func grow() {
        let old = slots
        let size = slots.count * 2
        slots = Array(repeating: Slot(hash: 0, keyStart: 0, keyLength: .max, value: 0), count: size)
        mask = size - 1
        for slot in old where slot.keyLength != .max {
            let start = Int(slot.keyStart)
            let hash = keyBytes.withUnsafeBufferPointer { hashBytes($0.baseAddress! + start, Int(slot.keyLength)) }
            var index = Int(truncatingIfNeeded: hash) & mask
            while slots[index].keyLength != .max { index = (index + 1) & mask }
            slots[index] = slot
        }
    }
}

@inline(__always)
func memoryEquals(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
    var index = 0
    while index + 8 <= count {
        let left = UnsafeRawPointer(a).loadUnaligned(fromByteOffset: index, as: UInt64.self)
        let right = UnsafeRawPointer(b).loadUnaligned(fromByteOffset: index, as: UInt64.self)
        if left != right { return false }
        index += 8
    }
    while index < count {
        if a[index] != b[index] { return false }
        index += 1
    }
    return true
}

/// Open-addressing map from a pair of token ids to a BPE merge: its rank (priority) and the merged id.
struct MergeTable: Sendable {
    struct Merge: Sendable {
        var rank: UInt32
        var newId: Int32
    }

    private struct Slot: Sendable {
        var key: UInt64     // `UInt64.max` marks an empty slot
        var merge: Merge
    }

    private var slots: [Slot]
    private var mask: Int

    init(minimumCapacity: Int) {
        var size = 16
        while size < minimumCapacity * 2 { size <<= 1 }
        slots = Array(repeating: Slot(key: .max, merge: Merge(rank: 0, newId: 0)), count: size)
        mask = size - 1
    }

    @inline(__always)
    private static func key(_ left: Int32, _ right: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: left)) << 32 | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private static func slotIndex(_ key: UInt64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 20) & mask
    }

    /// Stores a merge; a later merge of the same pair replaces the earlier one, as in `tokenizers`.
    mutating func insert(left: Int32, right: Int32, merge: Merge) {
        let key = Self.key(left, right)
        var index = Self.slotIndex(key, mask)
        while slots[index].key != .max && slots[index].key != key { index = (index + 1) & mask }
        slots[index] = Slot(key: key, merge: merge)
    }

    @inline(__always)
    func merge(_ left: Int32, _ right: Int32) -> Merge? {
        let key = Self.key(left, right)
        return slots.withUnsafeBufferPointer { buffer in
            var index = Self.slotIndex(key, mask)
            while true {
                let slot = buffer[index]
                if slot.key == key { return slot.merge }
                if slot.key == .max { return nil }
                index = (index + 1) & mask
            }
        }
    }
}

/// Per-worker cache from a word's bytes to its token ids, filled up to a fixed number of entries.
///
/// Like the cache in `tokenizers`, it stops taking entries when full and skips words of 256 bytes or more,
/// so results never depend on it. Not thread-safe: each worker owns one.
struct WordCache {
    private struct Slot {
        var hash: UInt64
        var keyStart: Int32
        var keyLength: Int32    // -1 marks an empty slot
        var idsStart: Int32
        var idsCount: Int32
    }

    static let maxKeyLength = 256
    private var keyBytes: [UInt8] = []
    private var ids: [Int32] = []
    private var slots: [Slot]
    private let mask: Int
    private let maxEntries: Int
    private var count = 0

    init(maxEntries: Int) {
        var size = 16
        while size < maxEntries * 2 { size <<= 1 }
        slots = Array(repeating: Slot(hash: 0, keyStart: 0, keyLength: -1, idsStart: 0, idsCount: 0), count: size)
        mask = size - 1
        self.maxEntries = maxEntries
        keyBytes.reserveCapacity(maxEntries * 8)
        ids.reserveCapacity(maxEntries * 2)
    }

    /// Appends the cached ids of the word to `output` and returns true, or returns false on a miss.
    @inline(__always)
    func appendIds(of word: UnsafePointer<UInt8>, _ length: Int, hash: UInt64, to output: inout [Int32]) -> Bool {
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.keyLength < 0 { return false }
            if slot.hash == hash, Int(slot.keyLength) == length {
                let equal = keyBytes.withUnsafeBufferPointer {
                    memoryEquals($0.baseAddress! + Int(slot.keyStart), word, length)
                }
                if equal {
                    let start = Int(slot.idsStart)
                    output.append(contentsOf: ids[start..<(start + Int(slot.idsCount))])
                    return true
                }
            }
            index = (index + 1) & mask
        }
    }

    mutating func insert(_ word: UnsafePointer<UInt8>, _ length: Int, hash: UInt64, ids wordIds: ArraySlice<Int32>) {
        guard count < maxEntries, length < Self.maxKeyLength else { return }
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].keyLength >= 0 { index = (index + 1) & mask }
        slots[index] = Slot(
            hash: hash, keyStart: Int32(keyBytes.count), keyLength: Int32(length),
            idsStart: Int32(ids.count), idsCount: Int32(wordIds.count))
        keyBytes.append(contentsOf: UnsafeBufferPointer(start: word, count: length))
        ids.append(contentsOf: wordIds)
        count += 1
    }
}
