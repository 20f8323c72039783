import Foundation
import Testing
import Finetune

/// Every Unicode scalar classified and normalised as `tokenizers` 0.23 does, checked per block of 4,096
/// against the FNV-1a 64 hashes in unicode_blocks.json. A failing block points to a character class that
/// changed, typically after a toolchain update with newer Unicode tables. Probe that block's scalars with
/// the `tokenizers` Python package, as scripts/make_tokenizer_fixtures.py does, to find the scalar.
@Suite struct TokenizerUnicodeTests {
    private struct Blocks {
        let size: Int
        let separator: String
        let hashes: [String: [String]]
    }

    private static let blocks: Blocks = {
        let url = TokenizerFixtures.folder.appendingPathComponent("unicode_blocks.json")
        let root = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var hashes: [String: [String]] = [:]
        for key in ["gpt2_class", "bert_class", "bert_uncased", "bert_cased"] { hashes[key] = root[key] as? [String] }
        return Blocks(size: root["block_size"] as! Int, separator: root["separator"] as! String, hashes: hashes)
    }()

    private static func fnv1a64<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return String(format: "%016llx", hash)
    }

    /// Valid scalars of block `index`; surrogates are skipped.
    private static func scalars(block index: Int) -> [Unicode.Scalar] {
        let start = index * blocks.size
        return (start..<(start + blocks.size)).compactMap { Unicode.Scalar(UInt32($0)) }
    }

    /// Compares one hash per block and lists the failing blocks as code point ranges.
    private func checkBlocks(_ key: String, _ digest: ([Unicode.Scalar]) -> String) throws {
        let expected = try #require(Self.blocks.hashes[key])
        #expect(expected.count == 0x110000 / Self.blocks.size)
        var failing: [String] = []
        for index in expected.indices where digest(Self.scalars(block: index)) != expected[index] {
            failing.append(String(format: "U+%04X..U+%04X", index * Self.blocks.size, (index + 1) * Self.blocks.size - 1))
        }
        #expect(failing.isEmpty, "\(key) differs from tokenizers in \(failing.joined(separator: ", "))")
    }

    @Test func gpt2ClassesMatchOniguruma() throws {
        try checkBlocks("gpt2_class") { scalars in
            Self.fnv1a64(scalars.map { scalar -> UInt8 in
                switch HFUnicode.gpt2Class(scalar.value) {
                case .letter: return UInt8(ascii: "L")
                case .number: return UInt8(ascii: "N")
                case .other: return UInt8(ascii: "O")
                case .whitespace: return UInt8(ascii: "S")
                }
            })
        }
    }

    @Test func bertClassesMatchBertPreTokenizer() throws {
        try checkBlocks("bert_class") { scalars in
            Self.fnv1a64(scalars.map { scalar -> UInt8 in
                let flags = HFUnicode.bertFlags(scalar.value)
                if flags.contains(.whitespace) { return UInt8(ascii: "w") }
                return flags.contains(.punctuation) ? UInt8(ascii: "p") : UInt8(ascii: "o")
            })
        }
    }

    @Test func uncasedNormalizerMatchesBertNormalizer() throws {
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: nil, lowercase: true)
        try checkBlocks("bert_uncased") { scalars in
            Self.fnv1a64(normalizer.normalize(joined(scalars)).utf8)
        }
    }

    @Test func casedNormalizerMatchesBertNormalizer() throws {
        let normalizer = BertNormalizer(cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false)
        try checkBlocks("bert_cased") { scalars in
            Self.fnv1a64(normalizer.normalize(joined(scalars)).utf8)
        }
    }

    /// Joins the scalars by the separator, a starter that keeps NFD reordering within each scalar's output.
    private func joined(_ scalars: [Unicode.Scalar]) -> String {
        var text = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if index > 0 { text.append(contentsOf: Self.blocks.separator.unicodeScalars) }
            text.append(scalar)
        }
        return String(text)
    }
}
