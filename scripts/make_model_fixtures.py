"""Write the model fixtures under Tests/FinetuneTests/Fixtures/model/ from transformers.

Run with the reference environment:  ~/venv-ref/bin/python scripts/make_model_fixtures.py

For a tiny random RoBERTa and a tiny random BERT (2 layers, hidden 32, 4 heads, vocabulary 100,
3 labels, dropout 0) it writes:
  <name>/config.json, <name>/model.safetensors   the model as a Hugging Face folder
  <name>/inputs.json                             a padded batch (rows of different lengths) and labels
  <name>/expected.safetensors                    logits, loss and the gradient of every parameter
                                                 ("grad.<name>"); the parameters after 3 AdamW steps
                                                 (lr 1e-3, wd 0.01) on that batch ("adamw3.<name>");
                                                 the logits after 5 AdamW steps (lr 1e-4) on an 8-row
                                                 batch ("adamw5.logits"); and the same forward and
                                                 backward under torch.autocast("cpu", torch.bfloat16)
                                                 ("bf16.logits", "bf16.loss", "bf16.grad.<name>")
and for all-MiniLM-L6-v2 (read from .cache/models/all-MiniLM-L6-v2, `make model`) with a seeded
6-label head:
  minilm/expected.safetensors   the head ("classifier.weight", "classifier.bias") and the logits
                                of each text ("logits.<i>")
  minilm/inputs.json            the token ids of each text from the model's tokenizer (max 512)
"""

import json
import pathlib

import torch
from safetensors.torch import save_file
from transformers import (AutoTokenizer, BertConfig, BertForSequenceClassification, RobertaConfig,
                          RobertaForSequenceClassification)

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "Tests/FinetuneTests/Fixtures/model"
MINILM = ROOT / ".cache/models/all-MiniLM-L6-v2"
LABELS = ["negative", "neutral", "positive"]


def tiny_config(kind: str):
    common = dict(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=64, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
                  initializer_range=0.02, id2label=dict(enumerate(LABELS)),
                  label2id={name: i for i, name in enumerate(LABELS)})
    if kind == "roberta":
        return RobertaConfig(max_position_embeddings=40, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
                             eos_token_id=2, layer_norm_eps=1e-5, **common)
    return BertConfig(max_position_embeddings=40, type_vocab_size=2, pad_token_id=0, layer_norm_eps=1e-12, **common)


def make_batch(kind: str, lengths: list[int], seed: int):
    """Rows of the given real lengths, right-padded to the longest; special ids as the tokenizers put them."""
    generator = torch.Generator().manual_seed(seed)
    pad, first, last = (1, 0, 2) if kind == "roberta" else (0, 2, 3)
    width = max(lengths)
    ids = torch.full((len(lengths), width), pad, dtype=torch.long)
    mask = torch.zeros((len(lengths), width), dtype=torch.long)
    for row, length in enumerate(lengths):
        body = torch.randint(5, 100, (length - 2,), generator=generator)
        ids[row, :length] = torch.cat([torch.tensor([first]), body, torch.tensor([last])])
        mask[row, :length] = 1
    labels = torch.randint(0, len(LABELS), (len(lengths),), generator=generator)
    return ids, mask, labels


def perturb(model, seed: int):
    """Give layer norms and biases random values, so their gradients are not trivially uniform."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "LayerNorm.weight" in name:
                parameter.copy_(1 + 0.1 * torch.randn(parameter.shape, generator=generator))
            elif name.endswith("bias"):
                parameter.copy_(0.05 * torch.randn(parameter.shape, generator=generator))


def batch_json(ids, mask, labels):
    return {"batch_size": ids.shape[0], "sequence_length": ids.shape[1], "ids": ids.flatten().tolist(),
            "attention_mask": mask.flatten().tolist(), "labels": labels.tolist()}


def write_tiny(kind: str, seed: int):
    torch.manual_seed(seed)
    config = tiny_config(kind)
    model_class = RobertaForSequenceClassification if kind == "roberta" else BertForSequenceClassification
    model = model_class(config)
    perturb(model, seed + 1)
    model.eval()  # dropout is 0 anyway; eval keeps the forward deterministic
    folder = OUT / f"{kind}-tiny"
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    initial = {name: p.detach().clone() for name, p in model.named_parameters()}

    ids, mask, labels = make_batch(kind, [12, 7, 3, 10], seed + 2)
    ids8, mask8, labels8 = make_batch(kind, [9, 4, 12, 6, 2, 11, 5, 8], seed + 3)
    expected = {}

    # Forward and backward in fp32.
    output = model(input_ids=ids, attention_mask=mask, labels=labels)
    output.loss.backward()
    expected["logits"] = output.logits.detach()
    expected["loss"] = output.loss.detach().reshape(1)
    for name, p in model.named_parameters():
        expected[f"grad.{name}"] = p.grad.detach().clone()

    # The same under bf16 autocast, from the same weights.
    model.zero_grad(set_to_none=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        output = model(input_ids=ids, attention_mask=mask, labels=labels)
    output.loss.backward()
    expected["bf16.logits"] = output.logits.detach().float()
    expected["bf16.loss"] = output.loss.detach().float().reshape(1)
    for name, p in model.named_parameters():
        expected[f"bf16.grad.{name}"] = p.grad.detach().float().clone()

    # 3 AdamW steps (lr 1e-3, weight decay 0.01) on the 4-row batch.
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    losses = []
    for _ in range(3):
        optimizer.zero_grad(set_to_none=True)
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    expected["adamw3.losses"] = torch.tensor(losses)
    for name, p in model.named_parameters():
        expected[f"adamw3.{name}"] = p.detach().clone()

    # 5 AdamW steps (lr 1e-4) on the 8-row batch from the initial weights.
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(initial[name])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=0.01)
    for _ in range(5):
        optimizer.zero_grad(set_to_none=True)
        model(input_ids=ids8, attention_mask=mask8, labels=labels8).loss.backward()
        optimizer.step()
    with torch.no_grad():
        expected["adamw5.logits"] = model(input_ids=ids8, attention_mask=mask8).logits.detach()

    save_file({k: v.contiguous() for k, v in expected.items()}, folder / "expected.safetensors", metadata={"format": "pt"})
    inputs = {"batch": batch_json(ids, mask, labels), "batch8": batch_json(ids8, mask8, labels8)}
    (folder / "inputs.json").write_text(json.dumps(inputs) + "\n")
    print(f"{folder}: loss {expected['loss'].item():.6f}, bf16 loss {expected['bf16.loss'].item():.6f}")


def minilm_texts() -> list[str]:
    words = ("the quick model reads every token twice before it answers and then the optimizer "
             "moves each weight a little toward lower loss while the batch waits").split()
    generator = torch.Generator().manual_seed(7)
    long_text = " ".join(words[i] for i in torch.randint(0, len(words), (600,), generator=generator).tolist())
    return [
        "",
        "I love this so much! 😀🎉",
        "Café crème brûlée à la française, naïve façade: déjà vu.",
        "The training run finished in 3.5 hours with 92.1% accuracy.",
        "ÉCOLE Ökonomie ñandú İstanbul",
        long_text,
    ]


def write_minilm():
    if not (MINILM / "config.json").exists():
        raise SystemExit(f"{MINILM} is missing; run `make model` first")
    tokenizer = AutoTokenizer.from_pretrained(MINILM)
    model = BertForSequenceClassification.from_pretrained(MINILM, num_labels=6)
    generator = torch.Generator().manual_seed(11)
    with torch.no_grad():
        model.classifier.weight.copy_(0.05 * torch.randn(model.classifier.weight.shape, generator=generator))
        model.classifier.bias.copy_(0.01 * torch.randn(model.classifier.bias.shape, generator=generator))
    model.eval()

    expected = {"classifier.weight": model.classifier.weight.detach().clone(),
                "classifier.bias": model.classifier.bias.detach().clone()}
    texts = []
    with torch.no_grad():
        for index, text in enumerate(minilm_texts()):
            encoded = tokenizer(text, truncation=True, max_length=512, return_tensors="pt")
            logits = model(**encoded).logits
            expected[f"logits.{index}"] = logits[0].detach().clone()
            texts.append(encoded["input_ids"][0].tolist())
    folder = OUT / "minilm"
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in expected.items()}, folder / "expected.safetensors", metadata={"format": "pt"})
    (folder / "inputs.json").write_text(json.dumps({"ids": texts}) + "\n")
    print(f"{folder}: {len(texts)} texts, lengths {[len(t) for t in texts]}")


if __name__ == "__main__":
    torch.set_num_threads(2)
    write_tiny("roberta", 1000)
    write_tiny("bert", 2000)
    write_minilm()
