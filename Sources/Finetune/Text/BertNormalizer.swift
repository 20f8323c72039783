import Foundation

/// BERT's text normaliser, as `tokenizers` 0.23 `normalizers/bert.rs` applies it, in this order:
/// 1. clean_text: drop NUL, U+FFFD and control/format/private-use characters (tab, newline and CR
///    excepted), then turn every whitespace character into a space;
/// 2. handle_chinese_chars: put a space on both sides of each CJK ideograph;
/// 3. strip_accents (default: follow lowercase): NFD, then drop nonspacing marks (Mn);
/// 4. lowercase: the full, context-free lowercase mapping of each character (`İ` -> `i̇`, `Σ` -> `σ`
///    even at a word end).
/// Character classes come from `HFUnicode`, which reproduces the older Unicode tables `tokenizers` uses.
public struct BertNormalizer: Sendable, Equatable {
    public var cleanText: Bool
    public var handleChineseChars: Bool
    public var stripAccents: Bool
    public var lowercase: Bool

    /// `stripAccents` nil follows `lowercase`, as BertNormalizer's `strip_accents: null` does.
    public init(cleanText: Bool = true, handleChineseChars: Bool = true, stripAccents: Bool? = nil, lowercase: Bool = true) {
        self.cleanText = cleanText
        self.handleChineseChars = handleChineseChars
        self.stripAccents = stripAccents ?? lowercase
        self.lowercase = lowercase
    }

    /// The normalised text, as `BertNormalizer.normalize_str` returns it.
    public func normalize(_ text: String) -> String {
        var scratch = Scratch()
        var output: [UInt8] = []
        var copy = text
        copy.withUTF8 { normalize($0, into: &output, scratch: &scratch) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Per-worker buffers, and caches of the decompositions and lowercase mappings of non-ASCII scalars.
    struct Scratch {
        var scalars: [UInt32] = []
        var decomposed: [UInt32] = []
        var decompositions: [UInt32: [UInt32]] = [:]
        var mappings: [UInt32: [UInt32]] = [:]
    }

    /// Writes the normalised UTF-8 of `input` (valid UTF-8) to `output`, replacing its contents.
    func normalize(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], scratch: inout Scratch) {
        output.removeAll(keepingCapacity: true)
        var ascii = true
        for byte in input where byte >= 0x80 {
            ascii = false
            break
        }
        if ascii {
            normalizeASCII(input, into: &output)
        } else {
            normalizeScalars(input, into: &output, scratch: &scratch)
        }
    }

    /// ASCII only: no ideographs, no decompositions, and lowercasing is A-Z -> a-z.
    private func normalizeASCII(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        let table = HFUnicode.bertBasicPlane
        for byte in input {
            var byte = byte
            if cleanText {
                let flags = table[Int(byte)]
                if flags.contains(.removedByCleanText) { continue }
                if flags.contains(.whitespace) { byte = UInt8(ascii: " ") }
            }
            if lowercase && byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") { byte += 32 }
            output.append(byte)
        }
    }

    private func normalizeScalars(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], scratch: inout Scratch) {
        // Steps 1 and 2, per scalar.
        scratch.scalars.removeAll(keepingCapacity: true)
        var index = 0
        while index < input.count {
            let decoded = decodeScalar(input, at: index)
            index += decoded.length
            var value = decoded.value
            let flags = HFUnicode.bertFlags(value)
            if cleanText {
                if flags.contains(.removedByCleanText) { continue }
                if flags.contains(.whitespace) { value = 0x20 }
            }
            if handleChineseChars && flags.contains(.chinese) {
                scratch.scalars.append(0x20)
                scratch.scalars.append(value)
                scratch.scalars.append(0x20)
            } else {
                scratch.scalars.append(value)
            }
        }

        // Step 3: NFD over the whole piece (canonical order spans characters), then drop Mn.
        if stripAccents {
            decomposeCanonically(&scratch)
            scratch.scalars.removeAll { HFUnicode.bertFlags($0).contains(.nonspacingMark) }
        }

        // Step 4, then UTF-8.
        for value in scratch.scalars {
            if !lowercase || value < 0x80 {
                let lowered = lowercase && value >= 0x41 && value <= 0x5A ? value + 32 : value
                appendUTF8(lowered, to: &output)
                continue
            }
            if let mapped = scratch.mappings[value] {
                for part in mapped { appendUTF8(part, to: &output) }
                continue
            }
            let mapped = Unicode.Scalar(value).map { Array($0.properties.lowercaseMapping.unicodeScalars.map(\.value)) } ?? [value]
            scratch.mappings[value] = mapped
            for part in mapped { appendUTF8(part, to: &output) }
        }
    }

    /// Replaces `scratch.scalars` by its NFD with Unicode 9.0 data: full canonical decomposition, then a
    /// stable sort of each run of non-starters by combining class.
    private func decomposeCanonically(_ scratch: inout Scratch) {
        scratch.decomposed.removeAll(keepingCapacity: true)
        for value in scratch.scalars {
            // Nothing below U+00C0 decomposes.
            guard value >= 0xC0, let scalar = Unicode.Scalar(value), HFUnicode.hasNormalizationData(scalar) else {
                scratch.decomposed.append(value)
                continue
            }
            if let cached = scratch.decompositions[value] {
                scratch.decomposed.append(contentsOf: cached)
                continue
            }
            let decomposition = String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
            scratch.decompositions[value] = decomposition
            scratch.decomposed.append(contentsOf: decomposition)
        }

        // Canonical ordering: a stable sort by combining class of each run of non-starters.
        let classes = scratch.decomposed.map { Unicode.Scalar($0).map(HFUnicode.combiningClass) ?? 0 }
        var runStart = 0
        while runStart < classes.count {
            if classes[runStart] == 0 {
                runStart += 1
                continue
            }
            var runEnd = runStart + 1
            while runEnd < classes.count && classes[runEnd] != 0 { runEnd += 1 }
            if runEnd - runStart > 1 {
                let order = (runStart..<runEnd).sorted { (classes[$0], $0) < (classes[$1], $1) }
                let reordered = order.map { scratch.decomposed[$0] }
                scratch.decomposed.replaceSubrange(runStart..<runEnd, with: reordered)
            }
            runStart = runEnd
        }
        swap(&scratch.scalars, &scratch.decomposed)
    }
}
