/// GPT-2's pre-tokenisation split, written out by hand over UTF-8 bytes.
///
/// It gives the same pieces as `tokenizers`' ByteLevel pre-tokenizer, which runs this Oniguruma regex:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// Alternatives are tried in order at each position, so:
/// - an apostrophe followed by lowercase `s t m d re ve ll` is a piece of its own ("it's" -> "it", "'s");
/// - one optional U+0020 space joins the run of letters, digits or other symbols after it;
/// - a run of whitespace followed by more text gives back its last character, which then starts the
///   next piece when it is a space ("a   b" -> "a", "  ", " b"), or is a piece of its own otherwise
///   ("a \tb" -> "a", " ", "\t", "b").
/// Character classes follow `HFUnicode.gpt2Class` (Unicode 16.0, as Oniguruma in `tokenizers` 0.23).
enum GPT2PreTokenizer {
    /// Calls `body(start, end)` with the byte range of each piece of `bytes`, in order; the pieces cover
    /// every byte. `bytes` must be valid UTF-8.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Int, Int) -> Void) {
        HFUnicode.gpt2BasicPlane.withUnsafeBufferPointer { table in split(bytes, classes: table, body) }
    }

    /// `classes` is `HFUnicode.gpt2BasicPlane`, passed as a pointer so the loop reads it directly.
    @inline(__always)
    private static func split(
        _ bytes: UnsafeBufferPointer<UInt8>, classes: UnsafeBufferPointer<GPT2CharacterClass>, _ body: (Int, Int) -> Void
    ) {
        @inline(__always) func classOf(_ value: UInt32) -> GPT2CharacterClass {
            value < 0x10000 ? classes[Int(value)] : HFUnicode.gpt2Class(value)
        }
        let count = bytes.count
        var index = 0
        while index < count {
            let first = decodeScalar(bytes, at: index)

            // 's 't 're 've 'm 'll 'd
            if first.value == 0x27, let length = contractionLength(bytes, at: index) {
                body(index, index + length)
                index += length
                continue
            }

            // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+`
            var runClass = classOf(first.value)
            var runStart = index
            if first.value == 0x20, index + 1 < count {
                let next = decodeScalar(bytes, at: index + 1)
                let nextClass = classOf(next.value)
                if nextClass != .whitespace {
                    runClass = nextClass
                    runStart = index + 1
                }
            }
            if runClass != .whitespace {
                let end = endOfRun(bytes, from: runStart, of: runClass, classes: classes)
                body(index, end)
                index = end
                continue
            }

            // `\s+(?!\S)` then `\s+`: a whitespace run before text keeps back its last character.
            var end = index
            var lastStart = index
            var characters = 0
            while end < count {
                let scalar = decodeScalar(bytes, at: end)
                if classOf(scalar.value) != .whitespace { break }
                lastStart = end
                end += scalar.length
                characters += 1
            }
            if end == count || characters == 1 {
                body(index, end)
                index = end
            } else {
                body(index, lastStart)
                index = lastStart
            }
        }
    }

    /// Byte length of the contraction at `index` (which contains an apostrophe), or nil.
    @inline(__always)
    private static func contractionLength(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int? {
        guard index + 1 < bytes.count else { return nil }
        switch bytes[index + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "e") ? 3 : nil
        case UInt8(ascii: "l"):
            return index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "l") ? 3 : nil
        default:
            return nil
        }
    }

    /// End of the run of `runClass` characters that starts at `start` (whose character has that class).
    @inline(__always)
    private static func endOfRun(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, of runClass: GPT2CharacterClass,
        classes: UnsafeBufferPointer<GPT2CharacterClass>
    ) -> Int {
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte < 0x80 {
                if classes[Int(byte)] != runClass { break }
                end += 1
            } else {
                let scalar = decodeScalar(bytes, at: end)
                let scalarClass = scalar.value < 0x10000 ? classes[Int(scalar.value)] : HFUnicode.gpt2Class(scalar.value)
                if scalarClass != runClass { break }
                end += scalar.length
            }
        }
        return end
    }
}

/// Scalar value and byte length of the UTF-8 sequence at `index`; `bytes` must be valid UTF-8.
@inline(__always)
func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> (value: UInt32, length: Int) {
    let lead = UInt32(bytes[index])
    if lead < 0x80 { return (lead, 1) }
    if lead < 0xE0 {
        return ((lead & 0x1F) << 6 | UInt32(bytes[index + 1] & 0x3F), 2)
    }
    if lead < 0xF0 {
        return ((lead & 0x0F) << 12 | UInt32(bytes[index + 1] & 0x3F) << 6 | UInt32(bytes[index + 2] & 0x3F), 3)
    }
    let value = (lead & 0x07) << 18 | UInt32(bytes[index + 1] & 0x3F) << 12
        | UInt32(bytes[index + 2] & 0x3F) << 6 | UInt32(bytes[index + 3] & 0x3F)
    return (value, 4)
}

/// Appends the UTF-8 encoding of `value` (a valid scalar) to `output`.
@inline(__always)
func appendUTF8(_ value: UInt32, to output: inout [UInt8]) {
    if value < 0x80 {
        output.append(UInt8(value))
    } else if value < 0x800 {
        output.append(UInt8(0xC0 | (value >> 6)))
        output.append(UInt8(0x80 | (value & 0x3F)))
    } else if value < 0x10000 {
        output.append(UInt8(0xE0 | (value >> 12)))
        output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        output.append(UInt8(0x80 | (value & 0x3F)))
    } else {
        output.append(UInt8(0xF0 | (value >> 18)))
        output.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
        output.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
        output.append(UInt8(0x80 | (value & 0x3F)))
    }
}
