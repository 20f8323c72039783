// Unicode character classes as Hugging Face `tokenizers` 0.23 classifies them.
//
// `tokenizers` takes its classes from libraries that each ship their own, older Unicode tables, while
// Swift 6.3's `Unicode.Scalar.Properties` follow Unicode 17. A character assigned later than a library's
// tables is "unassigned" to that library, so we ask Swift for the category and then apply the library's
// Unicode version through `properties.age`. The versions below were found by probing every scalar
// through the `tokenizers` Python package:
//
// - the GPT-2 split regex (Oniguruma) behaves as Unicode 16.0;
// - BertNormalizer and BertPreTokenizer (`unicode_categories` crate) behave as Unicode 8.0, apart from
//   the seven characters in `bertCategoryOverrides`;
// - NFD in BertNormalizer (`unicode-normalization-alignments`) knows combining classes up to Unicode 9.0;
// - added tokens with `single_word` test Rust `regex` `\w`, which behaves as Unicode 16.0;
// - whitespace (`char::is_whitespace`, Oniguruma `\s`) and lowercasing (`char::to_lowercase`) agree with
//   Swift on every code point.
//
// scripts/make_tokenizer_fixtures.py records HF's class of every code point, and TokenizerUnicodeTests
// checks all 1,112,064 scalars against it, so a toolchain with newer Unicode tables fails loudly.

/// The GPT-2 regex classes of one scalar: `\p{L}`, `\p{N}`, `\s`, or anything else.
public enum GPT2CharacterClass: UInt8, Sendable {
    case letter = 0
    case number = 1
    case whitespace = 2
    case other = 3
}

/// BERT flags of one scalar, as `BertNormalizer` and `BertPreTokenizer` test them.
public struct BertCharacterFlags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `char::is_whitespace`, plus tab, newline and carriage return.
    public static let whitespace = BertCharacterFlags(rawValue: 1 << 0)
    /// ASCII punctuation (33-47, 58-64, 91-96, 123-126) or a Unicode 8.0 P* category.
    public static let punctuation = BertCharacterFlags(rawValue: 1 << 1)
    /// Dropped by clean_text: NUL, U+FFFD, and Cc, Cf, Co, Cs of Unicode 8.0 except tab, newline, CR.
    public static let removedByCleanText = BertCharacterFlags(rawValue: 1 << 2)
    /// Mn of Unicode 8.0: removed after NFD when accents are stripped.
    public static let nonspacingMark = BertCharacterFlags(rawValue: 1 << 3)
    /// A CJK ideograph that handle_chinese_chars surrounds with spaces.
    public static let chinese = BertCharacterFlags(rawValue: 1 << 4)
}

public enum HFUnicode {
    /// Classes of the first 65,536 scalars, computed on first use; others are computed per call.
    static let gpt2BasicPlane: [GPT2CharacterClass] = (0..<0x10000).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return .other }   // surrogates
        return computeGPT2Class(scalar)
    }

    static let bertBasicPlane: [BertCharacterFlags] = (0..<0x10000).map { value in
        guard let scalar = Unicode.Scalar(UInt32(value)) else { return [] }
        return computeBertFlags(scalar)
    }

    @inline(__always)
    public static func gpt2Class(_ value: UInt32) -> GPT2CharacterClass {
        if value < 0x10000 { return gpt2BasicPlane[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return .other }
        return computeGPT2Class(scalar)
    }

    @inline(__always)
    public static func bertFlags(_ value: UInt32) -> BertCharacterFlags {
        if value < 0x10000 { return bertBasicPlane[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return [] }
        return computeBertFlags(scalar)
    }

    // MARK: GPT-2 (Oniguruma, Unicode 16.0)

    static func computeGPT2Class(_ scalar: Unicode.Scalar) -> GPT2CharacterClass {
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        guard isAssigned(properties, byMajor: 16, minor: 0) else { return .other }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return .letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return .number
        default:
            return .other
        }
    }

    // MARK: BERT (unicode_categories, Unicode 8.0)

    /// Scalars assigned by Unicode 8.0 whose category `unicode_categories` reports differently from
    /// Swift 6.3, because the category changed in a later Unicode version.
    private static let bertCategoryOverrides: [UInt32: Unicode.GeneralCategory] = [
        0x166D: .otherPunctuation,   // CANADIAN SYLLABICS CHI SIGN, So in Swift
        0x111C9: .otherPunctuation,  // SHARADA SANDHI MARK, Mn in Swift
        0x1734: .nonspacingMark,     // HANUNOO SIGN PAMUDPOD, Mc in Swift
        0x1171E: .nonspacingMark,    // AHOM CONSONANT SIGN MEDIAL RA, Mc in Swift
        0x1885: .otherLetter,        // MONGOLIAN LETTER ALI GALI BALUDA, Mn in Swift
        0x1886: .otherLetter,        // MONGOLIAN LETTER ALI GALI THREE BALUDA, Mn in Swift
        0xA9BD: .spacingMark,        // JAVANESE CONSONANT SIGN KERET, Mn in Swift
    ]

    /// General category in Unicode 8.0, as the `unicode_categories` crate reports it.
    static func bertCategory(_ scalar: Unicode.Scalar) -> Unicode.GeneralCategory {
        if let category = bertCategoryOverrides[scalar.value] { return category }
        let properties = scalar.properties
        guard isAssigned(properties, byMajor: 8, minor: 0) else { return .unassigned }
        return properties.generalCategory
    }

    static func computeBertFlags(_ scalar: Unicode.Scalar) -> BertCharacterFlags {
        var flags: BertCharacterFlags = []
        let value = scalar.value
        let category = bertCategory(scalar)
        if value == 9 || value == 10 || value == 13 || scalar.properties.isWhitespace {
            flags.insert(.whitespace)
        }
        if (33...47).contains(value) || (58...64).contains(value) || (91...96).contains(value)
            || (123...126).contains(value) {
            flags.insert(.punctuation)
        }
        switch category {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            flags.insert(.punctuation)
        case .control, .format, .privateUse, .surrogate:
            if value != 9 && value != 10 && value != 13 { flags.insert(.removedByCleanText) }
        case .nonspacingMark:
            flags.insert(.nonspacingMark)
        default:
            break
        }
        if value == 0 || value == 0xFFFD { flags.insert(.removedByCleanText) }
        if isChineseIdeograph(value) { flags.insert(.chinese) }
        return flags
    }

    /// Tests for the CJK blocks that BERT's original tokenizer splits character by character.
    static func isChineseIdeograph(_ value: UInt32) -> Bool {
        switch value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
             0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    // MARK: NFD (unicode-normalization-alignments, Unicode 9.0)

    /// True when the normalisation tables of Unicode 9.0 know the scalar.
    static func hasNormalizationData(_ scalar: Unicode.Scalar) -> Bool {
        isAssigned(scalar.properties, byMajor: 9, minor: 0)
    }

    /// Canonical combining class in Unicode 9.0: 0 for scalars assigned later.
    static func combiningClass(_ scalar: Unicode.Scalar) -> UInt8 {
        guard scalar.value >= 0x300, hasNormalizationData(scalar) else { return 0 }
        return scalar.properties.canonicalCombiningClass.rawValue
    }

    static func isAssigned(_ properties: Unicode.Scalar.Properties, byMajor major: Int, minor: Int) -> Bool {
        guard let age = properties.age else { return false }
        return age.major < major || (age.major == major && age.minor <= minor)
    }
}
