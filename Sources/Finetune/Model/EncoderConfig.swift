import Foundation

/// The encoder settings of a Hugging Face `config.json` (RoBERTa or BERT).
///
/// Decoding keeps every field of the original JSON in `fields`, so encoding writes them back
/// unchanged, with `architectures`, `id2label` and `label2id` set from the typed properties.
public struct EncoderConfig: Codable, Sendable, Equatable {
    public enum ModelType: String, Codable, Sendable {
        case roberta
        case bert
    }

    public var modelType: ModelType
    public var vocabSize: Int
    public var hiddenSize: Int
    public var numHiddenLayers: Int
    public var numAttentionHeads: Int
    public var intermediateSize: Int
    public var maxPositionEmbeddings: Int
    public var typeVocabSize: Int
    public var hiddenDropoutProb: Float
    public var attentionProbsDropoutProb: Float
    /// Dropout of the classification head; nil means `hiddenDropoutProb`, as in transformers.
    public var classifierDropout: Float?
    public var layerNormEps: Float
    public var initializerRange: Float
    public var padTokenId: Int
    public var architectures: [String]?
    /// Label names by class id, from `id2label` (string keys in JSON); nil when absent.
    public var id2label: [Int: String]?
    /// Every field of the original JSON object.
    public var fields: [String: JSONValue]

    /// Dropout rate of the classification head.
    public var headDropout: Float { classifierDropout ?? hiddenDropoutProb }
    /// Size of one attention head.
    public var headSize: Int { hiddenSize / numAttentionHeads }
    /// Label names in id order when `id2label` covers ids 0..<count without gaps.
    public var labelNames: [String]? {
        guard let id2label, !id2label.isEmpty else { return nil }
        let names = (0..<id2label.count).compactMap { id2label[$0] }
        return names.count == id2label.count ? names : nil
    }

    /// Reads and validates `config.json` at `url`.
    public static func load(_ url: URL) throws -> EncoderConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError.unreadableConfig(path: url.path, reason: "\(error.localizedDescription)")
        }
        let object: [String: JSONValue]
        do { object = try JSONDecoder().decode([String: JSONValue].self, from: data) } catch {
            throw ModelError.unreadableConfig(path: url.path, reason: "not a JSON object (\(error))")
        }
        return try EncoderConfig(fields: object, path: url.path)
    }

    /// Builds a config from the fields of a `config.json` object, validating them.
    public init(fields: [String: JSONValue], path: String = "config.json") throws {
        let reader = FieldReader(fields: fields, path: path)
        let typeName = try reader.string("model_type")
        guard let modelType = ModelType(rawValue: typeName) else {
            throw ModelError.invalidConfig(path: path, field: "model_type", value: "\"\(typeName)\"",
                                           hint: "Supported model types are \"roberta\" and \"bert\".")
        }
        self.modelType = modelType
        self.fields = fields
        vocabSize = try reader.positiveInt("vocab_size")
        hiddenSize = try reader.positiveInt("hidden_size")
        numHiddenLayers = try reader.positiveInt("num_hidden_layers")
        numAttentionHeads = try reader.positiveInt("num_attention_heads")
        intermediateSize = try reader.positiveInt("intermediate_size")
        maxPositionEmbeddings = try reader.positiveInt("max_position_embeddings")
        typeVocabSize = try reader.positiveInt("type_vocab_size", default: 2)
        hiddenDropoutProb = try reader.probability("hidden_dropout_prob", default: 0.1)
        attentionProbsDropoutProb = try reader.probability("attention_probs_dropout_prob", default: 0.1)
        classifierDropout = try reader.optionalProbability("classifier_dropout")
        layerNormEps = try reader.float("layer_norm_eps", default: 1e-12)
        initializerRange = try reader.float("initializer_range", default: 0.02)
        padTokenId = try reader.int("pad_token_id", default: modelType == .roberta ? 1 : 0)
        architectures = fields["architectures"]?.stringArray
        id2label = try reader.id2label()

        guard hiddenSize % numAttentionHeads == 0 else {
            throw ModelError.invalidConfig(path: path, field: "hidden_size", value: "\(hiddenSize)",
                                           hint: "It must be a multiple of num_attention_heads (\(numAttentionHeads)).")
        }
        let activation = fields["hidden_act"]?.string ?? "gelu"
        guard activation == "gelu" else {
            throw ModelError.invalidConfig(path: path, field: "hidden_act", value: "\"\(activation)\"",
                                           hint: "Only the exact (erf) \"gelu\" activation is implemented.")
        }
        let positions = fields["position_embedding_type"]?.string ?? "absolute"
        guard positions == "absolute" else {
            throw ModelError.invalidConfig(path: path, field: "position_embedding_type", value: "\"\(positions)\"",
                                           hint: "Only \"absolute\" position embeddings are implemented.")
        }
        guard padTokenId >= 0 && padTokenId < vocabSize else {
            throw ModelError.invalidConfig(path: path, field: "pad_token_id", value: "\(padTokenId)",
                                           hint: "It must be a token id below vocab_size (\(vocabSize)).")
        }
        if modelType == .roberta && maxPositionEmbeddings <= padTokenId + 1 {
            throw ModelError.invalidConfig(path: path, field: "max_position_embeddings", value: "\(maxPositionEmbeddings)",
                                           hint: "RoBERTa positions start at pad_token_id + 1 (\(padTokenId + 1)), so the table must be larger.")
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(fields: try container.decode([String: JSONValue].self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(jsonObject())
    }

    /// Returns the fields to write: the original ones with architectures, id2label and label2id updated.
    public func jsonObject() -> [String: JSONValue] {
        var object = fields
        if let architectures { object["architectures"] = .array(architectures.map { .string($0) }) }
        if let id2label {
            object["id2label"] = .object(Dictionary(uniqueKeysWithValues: id2label.map { (String($0.key), JSONValue.string($0.value)) }))
            object["label2id"] = .object(Dictionary(id2label.map { ($0.value, JSONValue.int($0.key)) }, uniquingKeysWith: { first, _ in first }))
        }
        return object
    }

    /// JSON text of `jsonObject()`, keys sorted and indented as transformers writes config.json.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(jsonObject())
    }
}

extension EncoderConfig {
    /// A JSON value, kept as parsed so unmodelled config fields survive a load and save.
    public enum JSONValue: Codable, Sendable, Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
        case array([JSONValue])
        case object([String: JSONValue])

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null }
            else if let value = try? container.decode(Bool.self) { self = .bool(value) }
            else if let value = try? container.decode(Int.self) { self = .int(value) }
            else if let value = try? container.decode(Double.self) { self = .double(value) }
            else if let value = try? container.decode(String.self) { self = .string(value) }
            else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
            else { self = .object(try container.decode([String: JSONValue].self)) }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case let .bool(value): try container.encode(value)
            case let .int(value): try container.encode(value)
            case let .double(value): try container.encode(value)
            case let .string(value): try container.encode(value)
            case let .array(value): try container.encode(value)
            case let .object(value): try container.encode(value)
            }
        }

        public var string: String? { if case let .string(value) = self { return value } else { return nil } }
        public var number: Double? {
            switch self {
            case let .int(value): return Double(value)
            case let .double(value): return value
            default: return nil
            }
        }
        public var stringArray: [String]? {
            guard case let .array(values) = self else { return nil }
            let strings = values.compactMap(\.string)
            return strings.count == values.count ? strings : nil
        }
    }
}

/// Typed, validated access to config fields, with errors that name the field.
private struct FieldReader {
    let fields: [String: EncoderConfig.JSONValue]
    let path: String

    func invalid(_ field: String, _ hint: String) -> ModelError {
        let value: String
        if let json = fields[field], let data = try? JSONEncoder().encode(json) { value = String(decoding: data, as: UTF8.self) } else { value = "missing" }
        return ModelError.invalidConfig(path: path, field: field, value: value, hint: hint)
    }

    func string(_ field: String) throws -> String {
        guard let value = fields[field]?.string else { throw invalid(field, "Expected a string.") }
        return value
    }

    func int(_ field: String, default fallback: Int? = nil) throws -> Int {
        guard let json = fields[field], json != .null else {
            if let fallback { return fallback }
            throw invalid(field, "Expected an integer.")
        }
        guard let number = json.number, number == number.rounded(), abs(number) < 1e15 else { throw invalid(field, "Expected an integer.") }
        return Int(number)
    }

    func positiveInt(_ field: String, default fallback: Int? = nil) throws -> Int {
        let value = try int(field, default: fallback)
        guard value > 0 else { throw invalid(field, "Expected a positive integer.") }
        return value
    }

    func float(_ field: String, default fallback: Float) throws -> Float {
        guard let json = fields[field], json != .null else { return fallback }
        guard let number = json.number, number.isFinite else { throw invalid(field, "Expected a number.") }
        return Float(number)
    }

    func probability(_ field: String, default fallback: Float) throws -> Float {
        let value = try float(field, default: fallback)
        guard value >= 0 && value < 1 else { throw invalid(field, "Expected a probability in [0, 1).") }
        return value
    }

    func optionalProbability(_ field: String) throws -> Float? {
        guard let json = fields[field], json != .null else { return nil }
        return try probability(field, default: 0)
    }

    func id2label() throws -> [Int: String]? {
        guard let json = fields["id2label"], json != .null else { return nil }
        guard case let .object(entries) = json else { throw invalid("id2label", "Expected an object mapping class ids to names.") }
        var result: [Int: String] = [:]
        for (key, value) in entries {
            guard let id = Int(key), id >= 0, let name = value.string else {
                throw invalid("id2label", "Expected keys \"0\", \"1\", ... with string names.")
            }
            result[id] = name
        }
        return result
    }
}
