"""Write the Hub repositories that HubCommandLineTests serves from a fake Hub on 127.0.0.1.

Run from the package root with the reference environment:

    ~/venv-ref/bin/python scripts/make_hubcli_fixtures.py

Outputs, under Tests/FinetuneTests/Fixtures/hubcli/:
  tiny-emotion/README.md        a data set card: `configs` with data_files per split, and
                                `dataset_info.features` with a class_label `label` whose names are
                                in the order of dair-ai/emotion (not alphabetical)
  tiny-emotion/data/<split>-00000-of-00001.parquet
                                `text` (string) and `label` (int64, an id into the card's names),
                                Snappy-compressed, 60/18/18 rows sampled from data/demo
  tiny-model/config.json        a one-layer BERT base config without id2label; the test writes the
                                random weights itself with SafetensorsWriter
  tiny-model/vocab.txt          special tokens, every letter and digit with and without "##", and
                                the words of the sampled texts, so that few tokens are [UNK]
  tiny-model/tokenizer_config.json

The texts come from data/demo, which this project wrote and ships under the MIT License.
"""

import json
import os
import random
import re

import pyarrow as pa
import pyarrow.parquet as pq

HERE = os.path.dirname(os.path.abspath(__file__))
DEMO = os.path.join(HERE, "..", "data", "demo")
OUT = os.path.join(HERE, "..", "Tests", "FinetuneTests", "Fixtures", "hubcli")

# Card order, which is also the order of label ids. Training must keep it instead of sorting.
NAMES = ["sadness", "joy", "love", "anger", "fear", "surprise"]
ROWS_PER_LABEL = {"train": 10, "validation": 3, "test": 3}
SEED = 20240611


def read_demo(split: str) -> list[tuple[str, str]]:
    """Read `text;label` lines, splitting at the last semicolon."""
    rows = []
    with open(os.path.join(DEMO, f"{split}.txt"), encoding="utf-8") as handle:
        for line in handle:
            text, label = line.rstrip("\n").rsplit(";", 1)
            rows.append((text, label))
    return rows


def sample(split: str, rng: random.Random) -> list[tuple[str, int]]:
    """Draw the same number of rows per label, then shuffle them together."""
    rows = read_demo(split)
    picked = []
    for name in NAMES:
        texts = [text for text, label in rows if label == name]
        picked += [(text, NAMES.index(name)) for text in rng.sample(texts, ROWS_PER_LABEL[split])]
    rng.shuffle(picked)
    return picked


def write_parquet(split: str, rows: list[tuple[str, int]]) -> None:
    table = pa.table({
        "text": pa.array([text for text, _ in rows], pa.string()),
        "label": pa.array([label for _, label in rows], pa.int64()),
    })
    folder = os.path.join(OUT, "tiny-emotion", "data")
    os.makedirs(folder, exist_ok=True)
    pq.write_table(table, os.path.join(folder, f"{split}-00000-of-00001.parquet"), compression="snappy")


def card(counts: dict[str, int]) -> str:
    names = "\n".join(f"          '{index}': {name}" for index, name in enumerate(NAMES))
    splits = "\n".join(f"  - name: {split}\n    num_examples: {count}" for split, count in counts.items())
    return f"""---
license: mit
task_categories:
- text-classification
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
  - split: validation
    path: data/validation-*
  - split: test
    path: data/test-*
dataset_info:
  features:
  - name: text
    dtype: string
  - name: label
    dtype:
      class_label:
        names:
{names}
  splits:
{splits}
---

# tiny-emotion

Six-emotion sentences sampled from swift-finetune's data/demo, for the command-line Hub tests.
"""


def vocabulary(texts: list[str]) -> list[str]:
    """Build a WordPiece vocabulary: specials, single characters, then the sampled words."""
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    characters = list("abcdefghijklmnopqrstuvwxyz0123456789.,!?'-")
    pieces = characters + ["##" + c for c in characters if c.isalnum()]
    words = set()
    for text in texts:
        # BertPreTokenizer splits at whitespace and around each punctuation character.
        words.update(re.findall(r"\w+|[^\w\s]", text.lower()))
    rest = sorted(words - set(pieces))
    return specials + pieces + rest


def main() -> None:
    rng = random.Random(SEED)
    splits = {split: sample(split, rng) for split in ["train", "validation", "test"]}
    for split, rows in splits.items():
        write_parquet(split, rows)
    with open(os.path.join(OUT, "tiny-emotion", "README.md"), "w", encoding="utf-8") as handle:
        handle.write(card({split: len(rows) for split, rows in splits.items()}))

    model = os.path.join(OUT, "tiny-model")
    os.makedirs(model, exist_ok=True)
    vocab = vocabulary([text for rows in splits.values() for text, _ in rows])
    with open(os.path.join(model, "vocab.txt"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(vocab) + "\n")
    config = {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 16,
        "initializer_range": 0.02,
        "intermediate_size": 32,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 64,
        "model_type": "bert",
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "pad_token_id": 0,
        "type_vocab_size": 2,
        "vocab_size": len(vocab),
    }
    with open(os.path.join(model, "config.json"), "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=2, sort_keys=True)
        handle.write("\n")
    tokenizer_config = {
        "cls_token": "[CLS]", "do_lower_case": True, "mask_token": "[MASK]", "model_max_length": 64,
        "pad_token": "[PAD]", "sep_token": "[SEP]", "tokenizer_class": "BertTokenizer", "unk_token": "[UNK]",
    }
    with open(os.path.join(model, "tokenizer_config.json"), "w", encoding="utf-8") as handle:
        json.dump(tokenizer_config, handle, indent=2, sort_keys=True)
        handle.write("\n")
    print(f"wrote {os.path.normpath(OUT)}: {len(vocab)} tokens, rows "
          + ", ".join(f"{split} {len(rows)}" for split, rows in splits.items()))


if __name__ == "__main__":
    main()
