/// The option groups and command specs of the tool. Names and flags follow the project's
/// documented interface; every option has help text with its unit and default.
enum Options {
    static let model = OptionSpec("model", value: "PATH|HUB_ID", help: "Hugging Face model folder, or a Hub id such as roberta-base (local paths win).")
    static let data = OptionSpec("data", value: "PATH|HUB_ID", help: "Folder of split files (train, validation/val/dev, test), one file (train split), or a Hub data set id.")
    static let precision = OptionSpec("precision", value: "fp32|bf16|fp16", default: "fp32",
                                      help: "Numeric precision. bf16 is the fast mode on CPUs with AVX512-BF16 or AMX; fp16 stores 16-bit values but computes in fp32 on CPU, so it is not faster there.")
    static let json = OptionSpec("json", help: "Print JSON instead of a table.")
    static let maxLength = OptionSpec("max-length", value: "N", help: "Truncate texts to N tokens, special tokens included (default: the model maximum).")
    static let batchSize = OptionSpec("batch-size", value: "N", default: "32", help: "Examples per batch.")
    static let textColumn = OptionSpec("text-column", value: "NAME|INDEX", default: "text", help: "Column with the text in CSV, TSV, JSON Lines and Parquet files.")
    static let labelColumn = OptionSpec("label-column", value: "NAME|INDEX", default: "label", help: "Column with the label in CSV, TSV, JSON Lines and Parquet files.")
    static let revision = OptionSpec("revision", value: "REV", default: "main", help: "Hub branch, tag or commit for Hub ids.")
    static let token = OptionSpec("token", value: "TOKEN", help: "Hub access token for private or gated repositories (default: the HF_TOKEN environment variable).")
    static let datasetConfig = OptionSpec("config", value: "NAME", help: "Hub data set configuration (default: the card's default).")
    static let skipUnlabeled = OptionSpec("skip-unlabeled", help: "Skip and count rows with an empty or -1 label instead of stopping with an error.")

    static let dataSelection: [OptionSpec] = [data, textColumn, labelColumn, skipUnlabeled, datasetConfig]

    /// Options shared by `train` and `compare`.
    static let training: [OptionSpec] = [
        OptionSpec("epochs", value: "N", default: "3", help: "Passes over the training split."),
        OptionSpec("max-steps", value: "N", help: "Stop after N optimizer steps (batches), even mid-epoch."),
        batchSize,
        OptionSpec("lr", value: "RATE", default: "5e-5", help: "Peak learning rate of AdamW."),
        OptionSpec("weight-decay", value: "W", default: "0.01", help: "Decoupled AdamW weight decay, applied to every parameter."),
        OptionSpec("warmup-steps", value: "N", default: "0", help: "Steps of linear learning-rate warm-up from 0."),
        OptionSpec("schedule", value: "constant|linear", default: "constant", help: "Learning rate after warm-up: constant, or linear decay to 0 at the last step."),
        OptionSpec("max-grad-norm", value: "NORM", help: "Clip the global gradient L2 norm to NORM (default: no clipping)."),
        maxLength,
        OptionSpec("padding", value: "longest|max-length", default: "longest", help: "Pad each batch to its longest text, or every text to --max-length (the fixed-length recipe)."),
        OptionSpec("no-shuffle", help: "Keep the training file's order instead of shuffling each epoch."),
        OptionSpec("group-by-length", help: "Batch texts of similar length together (after a seeded shuffle) to cut padding."),
        OptionSpec("seed", value: "N", default: "42", help: "Seed for the new head's weights, shuffling and dropout."),
        OptionSpec("labels", value: "A,B,C", help: "Label names in id order (default: the model's id2label, else sorted training labels)."),
        OptionSpec("log-every", value: "N", default: "10", help: "Steps between log lines and metrics.jsonl records when not on a terminal."),
        revision, token,
    ]
}

extension CommandSpec {
    static let train = CommandSpec(
        name: "train", summary: "Fine-tune a model for text classification and save it as a Hugging Face folder.",
        usage: "train --model PATH|HUB_ID --data PATH|HUB_ID --output DIR [options]",
        options: [Options.model] + Options.dataSelection
            + [OptionSpec("output", value: "DIR", help: "Folder for the fine-tuned model and metrics.jsonl (replaced atomically at each epoch)."),
               Options.precision] + Options.training,
        positionalHelp: nil)

    static let evaluate = CommandSpec(
        name: "evaluate", summary: "Score a fine-tuned model on a labelled split: accuracy, precision, recall, F1 and the confusion matrix.",
        usage: "evaluate --model DIR|HUB_ID --data PATH|HUB_ID [--split test] [--json]",
        options: [Options.model] + Options.dataSelection
            + [OptionSpec("split", value: "NAME", default: "test", help: "Split to evaluate: train, validation or test."),
               Options.precision, Options.batchSize, Options.maxLength, Options.json, Options.revision, Options.token],
        positionalHelp: nil)

    static let predict = CommandSpec(
        name: "predict", summary: "Classify texts given as arguments, in a file, or as lines on standard input.",
        usage: "predict --model DIR|HUB_ID [--input FILE.jsonl|FILE.txt] [--json] [TEXT ...]",
        options: [Options.model,
                  OptionSpec("input", value: "FILE", help: "Texts to classify: .txt (one per line) or .jsonl (objects with a \"text\" field)."),
                  Options.json, Options.precision, Options.batchSize, Options.maxLength, Options.revision, Options.token],
        positionalHelp: "Arguments: TEXT ...  texts to classify (standard input lines when no text and no --input is given).")

    static let tokenize = CommandSpec(
        name: "tokenize", summary: "Print the token ids the model sees for each text, one JSON array per line.",
        usage: "tokenize --model DIR|HUB_ID [--input FILE.jsonl|FILE.txt] [TEXT ...]",
        options: [Options.model,
                  OptionSpec("input", value: "FILE", help: "Texts to tokenize: .txt (one per line) or .jsonl (objects with a \"text\" field)."),
                  Options.maxLength,
                  OptionSpec("timing", help: "With --input, print load and encode times as one JSON line on standard error."),
                  OptionSpec("repeats", value: "N", default: "1", help: "With --input, encode the file N times (for timing)."),
                  Options.revision, Options.token],
        positionalHelp: "Arguments: TEXT ...  texts to tokenize (standard input lines when no text and no --input is given).")

    static let compare = CommandSpec(
        name: "compare", summary: "Train once per precision from the same weights and seed, test each, and write report.md, report.json and chart.svg.",
        usage: "compare --model PATH|HUB_ID --data PATH|HUB_ID [--precisions fp32,bf16] [train options] --output DIR",
        options: [Options.model] + Options.dataSelection
            + [OptionSpec("output", value: "DIR", help: "Folder for the report and one trained model per precision."),
               OptionSpec("precisions", value: "LIST", default: "fp32,bf16", help: "Comma-separated precisions to train, the first being the baseline.")]
            + Options.training,
        positionalHelp: nil)

    static let bench = CommandSpec(
        name: "bench", summary: "Time full training steps (forward, backward, AdamW) on random token ids.",
        usage: "bench --model DIR [--batch-size 32] [--seq-len 32] [--precision fp32] [--steps 5] [--json]",
        options: [OptionSpec("model", value: "DIR", help: "Model folder whose config.json sets the shape; weights are used when present."),
                  Options.batchSize,
                  OptionSpec("seq-len", value: "N", default: "32", help: "Tokens per sequence."),
                  Options.precision,
                  OptionSpec("steps", value: "N", default: "5", help: "Timed steps, after one warm-up step."),
                  OptionSpec("labels", value: "N", default: "6", help: "Classes of the head."),
                  Options.json],
        positionalHelp: nil)

    static let download = CommandSpec(
        name: "download", summary: "Fetch a model or data set from the Hugging Face Hub into the shared cache.",
        usage: "download [--dataset] HUB_ID [--revision REV]",
        options: [OptionSpec("dataset", help: "The id names a data set, not a model."), Options.revision, Options.token, Options.datasetConfig],
        positionalHelp: "Arguments: HUB_ID  repository id such as roberta-base or dair-ai/emotion.")

    static let demo = CommandSpec(
        name: "demo", summary: "Fine-tune a small model on the bundled six-emotion data set in fp32 and bf16 and print the comparison.",
        usage: "demo [--model DIR] [--data DIR] [--output DIR] [--epochs 3]",
        options: [OptionSpec("model", value: "DIR", default: ".cache/models/all-MiniLM-L6-v2", help: "Model folder to fine-tune."),
                  OptionSpec("data", value: "DIR", default: "data/demo", help: "Folder with the demo splits."),
                  OptionSpec("output", value: "DIR", default: "runs/demo", help: "Folder for the report and models."),
                  OptionSpec("epochs", value: "N", default: "3", help: "Passes over the training split.")],
        positionalHelp: nil)

    static let all: [CommandSpec] = [.train, .evaluate, .predict, .tokenize, .compare, .bench, .download, .demo]
}
