"""Write the end-to-end training fixtures under Tests/FinetuneTests/Fixtures/training/.

Run with the reference environment:  ~/venv-ref/bin/python scripts/make_training_fixtures.py

Each case starts from an initial model folder, trains 5 AdamW steps in fp32 as
`finetune train --batch-size 8 --lr 1e-4 --no-shuffle --padding longest --max-steps 5` does,
and records what TrainingParityTests compares against:

  minilm    all-MiniLM-L6-v2 (read from .cache/models/all-MiniLM-L6-v2, `make model`), pretrained
            weights, with a 6-label head drawn from torch.manual_seed(HEAD_SEED)
  roberta   a small random RoBERTa (hidden 32, 2 layers, 4 heads, intermediate 64, 514 positions,
            initializer_range 0.2)
            with the real roberta-base vocabulary, so vocab_size is 50265; its tokenizer files
            are read from ../shared/data/roberta-base and are not committed

Files per case:
  <case>/config.json      config of the initial folder: dropout 0 everywhere (hidden, attention,
                          classifier) and id2label with the 6 demo labels in sorted order
  minilm/head.safetensors   classifier.weight (6, 384) and classifier.bias (6)
  roberta/initial.safetensors   every parameter except roberta.embeddings.word_embeddings.weight,
                          which is the closed form `word_embedding` below (tests compute it too)
  roberta/word_embedding_samples.json   a few values of that matrix by flat index, so a test can
                          tell a wrong closed form from a training mismatch
  <case>/expected.json    losses of the 5 steps; after training, the logits of the first 16
                          validation texts padded together as one batch ("logits_batch") and of
                          each text alone ("logits_alone"), the mean cross-entropy over those 16
                          ("validation_loss"), the logits of the batch before training
                          ("logits_initial"), and the token ids of the 16 texts ("validation_ids")

Training recipe: torch.optim.AdamW(lr 1e-4, weight_decay 0.01, betas and eps at their defaults)
over all parameters, and transformers' mean cross-entropy loss. Batches of 8 come in file order
from the first TRAIN_LINES lines of data/demo/train.txt, each padded to its longest text. Texts
are encoded by the tokenizer that transformers loads from the folder, truncating to the model
maximum (512 for both cases, which no demo text reaches). Validation texts are the first
VALIDATION_LINES lines of data/demo/validation.txt.
"""

import json
import pathlib
import shutil
import tempfile

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from transformers import (AutoModelForSequenceClassification, AutoTokenizer, RobertaConfig,
                          RobertaForSequenceClassification)

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/FinetuneTests/Fixtures/training"
MINILM = ROOT / ".cache/models/all-MiniLM-L6-v2"
ROBERTA_TOKENIZER = ROOT.parent / "shared/data/roberta-base"
DEMO = ROOT / "data/demo"

LABELS = ["anger", "fear", "joy", "love", "sadness", "surprise"]
TRAIN_LINES = 40
VALIDATION_LINES = 16
BATCH_SIZE = 8
STEPS = 5
LEARNING_RATE = 1e-4
WEIGHT_DECAY = 0.01
MAX_LENGTH = 512
HEAD_SEED = 1234
ROBERTA_SEED = 4321

MINILM_TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"]
ROBERTA_TOKENIZER_FILES = ["vocab.json", "merges.txt"]


def word_embedding(rows: int, width: int) -> np.ndarray:
    """Return the RoBERTa word-embedding matrix (rows, width), a closed form of the flat index.

    n = row * width + column; h = n * 0x9E3779B1 mod 2^32; h ^= h >> 15; h = h * 0x85EBCA77 mod 2^32;
    h ^= h >> 13; value = float32(((h >> 8) / 2^24 - 0.5) * 0.7), computed in float64. The values are
    uniform in [-0.35, 0.35), so their standard deviation is about 0.2, the initializer_range of the
    other weights. Besides integer arithmetic, the only steps are an exact division by 2^24, an exact
    subtraction, one float64 multiply and one rounding to float32, so Swift reproduces every bit
    without depending on a libm.
    """
    mask = np.uint64(0xFFFFFFFF)
    n = np.arange(rows * width, dtype=np.uint64) & mask
    h = (n * np.uint64(0x9E3779B1)) & mask
    h ^= h >> np.uint64(15)
    h = (h * np.uint64(0x85EBCA77)) & mask
    h ^= h >> np.uint64(13)
    values = ((h >> np.uint64(8)).astype(np.float64) / 16777216.0 - 0.5) * 0.7
    return values.astype(np.float32).reshape(rows, width)


def read_lines(path: pathlib.Path, count: int) -> tuple[list[str], list[int]]:
    """Return the first `count` `text;label` lines of a demo split as texts and label ids."""
    texts, labels = [], []
    for line in path.read_text(encoding="utf-8").splitlines()[:count]:
        text, label = line.rsplit(";", 1)
        texts.append(text)
        labels.append(LABELS.index(label))
    return texts, labels


def with_classification_fields(config: dict) -> dict:
    config = dict(config)
    config["hidden_dropout_prob"] = 0.0
    config["attention_probs_dropout_prob"] = 0.0
    config["classifier_dropout"] = 0.0
    config["id2label"] = {str(i): name for i, name in enumerate(LABELS)}
    config["label2id"] = {name: i for i, name in enumerate(LABELS)}
    return config


def write_json(path: pathlib.Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=1) + "\n", encoding="utf-8")


def minilm_folder(folder: pathlib.Path) -> None:
    """Build the initial MiniLM folder in `folder` and write its committed parts into the fixture."""
    config = with_classification_fields(json.loads((MINILM / "config.json").read_text()))
    config["architectures"] = ["BertForSequenceClassification"]
    write_json(OUT / "minilm/config.json", config)

    generator = torch.Generator().manual_seed(HEAD_SEED)
    head = {"classifier.weight": torch.randn(len(LABELS), config["hidden_size"], generator=generator) * 0.02,
            "classifier.bias": torch.randn(len(LABELS), generator=generator) * 0.02}
    save_file(head, OUT / "minilm/head.safetensors")

    # The base weights with transformers' "bert." prefix, without the int64 position_ids buffer.
    base = load_file(MINILM / "model.safetensors")
    weights = {"bert." + name: tensor for name, tensor in base.items() if tensor.dtype == torch.float32}
    weights.update(head)
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    write_json(folder / "config.json", config)
    for name in MINILM_TOKENIZER_FILES:
        shutil.copy(MINILM / name, folder / name)


def roberta_folder(folder: pathlib.Path) -> None:
    """Build the initial RoBERTa folder in `folder` and write its committed parts into the fixture."""
    config = with_classification_fields({
        "architectures": ["RobertaForSequenceClassification"], "model_type": "roberta",
        "vocab_size": 50265, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 64, "hidden_act": "gelu", "max_position_embeddings": 514, "type_vocab_size": 1,
        "initializer_range": 0.2, "layer_norm_eps": 1e-5, "pad_token_id": 1, "bos_token_id": 0,
        "eos_token_id": 2,
    })
    write_json(OUT / "roberta/config.json", config)
    write_json(folder / "config.json", config)

    # transformers' own initialisation of the other weights, then the closed-form word embeddings.
    # initializer_range is 0.2, not the usual 0.02: with weights that small, 5 steps at lr 1e-4 move
    # the logits by only about 0.005, too little next to the 2e-3 tolerance to show that training ran.
    torch.manual_seed(ROBERTA_SEED)
    model = RobertaForSequenceClassification(
        RobertaConfig(**{key: value for key, value in config.items() if key not in ("architectures", "model_type")}))
    parameters = {name: value.detach().clone().contiguous() for name, value in model.named_parameters()}
    word_name = "roberta.embeddings.word_embeddings.weight"
    assert tuple(parameters[word_name].shape) == (config["vocab_size"], config["hidden_size"])
    parameters[word_name] = torch.from_numpy(word_embedding(config["vocab_size"], config["hidden_size"]))
    save_file({name: value for name, value in parameters.items() if name != word_name},
              OUT / "roberta/initial.safetensors")
    flat = parameters[word_name].flatten()
    samples = [0, 1, 31, 32, 12345, flat.numel() - 1]
    write_json(OUT / "roberta/word_embedding_samples.json",
               {"indices": samples, "values": [flat[i].item() for i in samples]})
    save_file(parameters, folder / "model.safetensors", metadata={"format": "pt"})
    for name in ROBERTA_TOKENIZER_FILES:
        shutil.copy(ROBERTA_TOKENIZER / name, folder / name)


def train(folder: pathlib.Path) -> dict:
    """Train the folder's model as the CLI does and return the expected values."""
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32)
    train_texts, train_labels = read_lines(DEMO / "train.txt", TRAIN_LINES)
    validation_texts, validation_labels = read_lines(DEMO / "validation.txt", VALIDATION_LINES)

    def encode(texts: list[str]):
        encoded = tokenizer(texts, padding="longest", truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
        assert encoded["input_ids"].shape[1] < MAX_LENGTH, "a demo text reached the model maximum"
        return encoded["input_ids"], encoded["attention_mask"]

    model.eval()
    with torch.no_grad():
        logits_initial = model(*encode(validation_texts)).logits

    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    model.train()
    losses = []
    for step in range(STEPS):
        start = step * BATCH_SIZE
        ids, mask = encode(train_texts[start:start + BATCH_SIZE])
        labels = torch.tensor(train_labels[start:start + BATCH_SIZE])
        optimizer.zero_grad()
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    model.eval()
    with torch.no_grad():
        ids, mask = encode(validation_texts)
        logits_batch = model(input_ids=ids, attention_mask=mask).logits
        validation_loss = torch.nn.functional.cross_entropy(logits_batch, torch.tensor(validation_labels)).item()
        logits_alone = torch.cat([model(input_ids=i, attention_mask=m).logits
                                  for i, m in (encode([text]) for text in validation_texts)])
    alone_vs_batch = (logits_alone - logits_batch).abs().max().item()
    trained_vs_initial = (logits_batch - logits_initial).abs().max().item()
    print(f"  losses {[round(x, 6) for x in losses]}, validation loss {validation_loss:.6f}, "
          f"max |alone - batch| {alone_vs_batch:.2e}, max |trained - initial| {trained_vs_initial:.4f}")
    return {
        "losses": losses,
        "validation_loss": validation_loss,
        "logits_batch": logits_batch.tolist(),
        "logits_alone": logits_alone.tolist(),
        "logits_initial": logits_initial.tolist(),
        "validation_ids": [tokenizer(text, truncation=True, max_length=MAX_LENGTH)["input_ids"]
                           for text in validation_texts],
    }


def main() -> None:
    for name, build in [("minilm", minilm_folder), ("roberta", roberta_folder)]:
        print(name)
        with tempfile.TemporaryDirectory() as temporary:
            folder = pathlib.Path(temporary)
            build(folder)
            write_json(OUT / name / "expected.json", train(folder))


if __name__ == "__main__":
    main()
