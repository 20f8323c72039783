/// The version that `finetune --version` prints.
public let finetuneVersion = "0.1.0"
