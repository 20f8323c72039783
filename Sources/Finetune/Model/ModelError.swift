import Foundation

/// Errors of loading, running and saving an encoder model.
public enum ModelError: Error, CustomStringConvertible, Equatable {
    /// config.json is missing or is not a JSON object.
    case unreadableConfig(path: String, reason: String)
    /// A config field is missing or has a value this encoder cannot use.
    case invalidConfig(path: String, field: String, value: String, hint: String)
    /// The folder has no model.safetensors or model.safetensors.index.json.
    case missingWeights(folder: String)
    case missingTensors(path: String, names: [String])
    case unexpectedTensors(path: String, names: [String])
    /// Both: usually tensors stored under other names than config.json implies.
    case mismatchedTensors(path: String, missing: [String], unexpected: [String])
    /// Two tensors of a checkpoint map to the same parameter (for example with and without prefix).
    case duplicateTensor(path: String, names: [String])
    case shapeMismatch(path: String, name: String, expected: [Int], actual: [Int])
    /// Neither the caller nor the folder's id2label names the labels.
    case missingLabels(folder: String)
    /// The folder's trained head was made for other labels than the ones requested.
    case labelConflict(folder: String, folderLabels: [String], requested: [String])
    case sequenceTooLong(row: Int, length: Int, maximum: Int)
    case tokenOutOfRange(row: Int, position: Int, id: Int32, vocabularySize: Int)
    case labelOutOfRange(row: Int, label: Int32, labelCount: Int)
    case emptyBatch
    /// Training needs labels, and the batch has none.
    case unlabeledBatch
    /// The loss came out inf or NaN.
    case nonFiniteLoss(loss: Float, precision: Precision, location: String?)
    case saveFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadableConfig(path, reason):
            return "cannot read model config \(path): \(reason). Point --model at a Hugging Face model folder that contains config.json."
        case let .invalidConfig(path, field, value, hint):
            return "invalid model config \(path): field \"\(field)\" is \(value). \(hint)"
        case let .missingWeights(folder):
            return "no weights in \(folder): expected model.safetensors or model.safetensors.index.json. "
                + "Convert PyTorch .bin weights with `model.save_pretrained(folder, safe_serialization=True)`."
        case let .missingTensors(path, names):
            return "\(path) lacks \(names.count) tensor(s) the model needs: \(Self.list(names)). Check that the checkpoint matches config.json."
        case let .unexpectedTensors(path, names):
            return "\(path) has \(names.count) tensor(s) this model does not use: \(Self.list(names)). Check that config.json matches the checkpoint (model_type, num_hidden_layers)."
        case let .duplicateTensor(path, names):
            return "\(path) stores the same parameter twice: \(names.joined(separator: " and ")). Remove one of them from the checkpoint."
        case let .mismatchedTensors(path, missing, unexpected):
            return "\(path) lacks \(missing.count) tensor(s) the model needs (\(Self.list(missing))) and has \(unexpected.count) "
                + "it does not use (\(Self.list(unexpected))). Check that config.json matches the checkpoint."
        case let .shapeMismatch(path, name, expected, actual):
            return "tensor \(name) in \(path) has shape \(actual), expected \(expected) from config.json. Check hidden_size, vocab_size and the label count."
        case let .missingLabels(folder):
            return "no label names for \(folder): its config.json has no id2label. Pass the label names (for example --labels a,b,c)."
        case let .labelConflict(folder, folderLabels, requested):
            return "\(folder) has a trained classification head for labels \(folderLabels), but this run asks for \(requested). "
                + "Use the folder's labels, or start from a base checkpoint without a head to train new labels."
        case let .sequenceTooLong(row, length, maximum):
            return "batch row \(row) has \(length) tokens but the position table allows at most \(maximum). Truncate inputs (--max-length \(maximum))."
        case let .tokenOutOfRange(row, position, id, vocabularySize):
            return "batch row \(row), position \(position): token id \(id) is outside the vocabulary 0..<\(vocabularySize). Use the tokenizer that belongs to the model."
        case let .labelOutOfRange(row, label, labelCount):
            return "batch row \(row): label id \(label) is outside 0..<\(labelCount). Check the data set's label names against the model's."
        case .unlabeledBatch:
            return "the training batch has no labels. Build training batches from labelled examples."
        case .emptyBatch:
            return "the batch is empty (batch size or sequence length 0). Skip empty batches before calling the model."
        case let .nonFiniteLoss(loss, precision, location):
            let place = location.map { " First non-finite values: \($0)." } ?? ""
            return "the \(precision.rawValue) loss is \(loss).\(place) Lower the learning rate, or train in fp32 to compare."
        case let .saveFailed(path, reason):
            return "cannot save the model to \(path): \(reason). Check that the parent folder exists and is writable."
        }
    }

    static func list(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ") : names.prefix(12).joined(separator: ", ") + ", ... (\(names.count - 12) more)"
    }
}
