/// How a run stores and multiplies its tensors.
///
/// Master weights and optimizer state are fp32 in every mode. `bf16` and `fp16` run matrix
/// products on 16-bit inputs with fp32 accumulation, and `fp16` adds dynamic loss scaling.
public enum Precision: String, Sendable, CaseIterable, Codable {
    case fp32
    case bf16
    case fp16
}
