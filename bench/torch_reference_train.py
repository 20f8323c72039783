"""Train the reference recipe with PyTorch + transformers, for side-by-side comparison with swift-finetune.

Recipe: AutoModelForSequenceClassification on a `text;label` (or split-folder) data set, AdamW
(lr 5e-5, betas 0.9/0.999, eps 1e-8, weight decay 0.01), constant learning rate, batch 32,
padding to the longest text of each batch, shuffled with a seed, validation loss each epoch,
weighted precision/recall/F1 on the test split (scikit-learn, zero_division=0).
`--precision bf16` wraps forward and loss in torch.autocast("cpu", torch.bfloat16).

Prints one JSON object with the times, losses and metrics on the last line.

Usage:
    python bench/torch_reference_train.py --model .cache/models/all-MiniLM-L6-v2 \
        --data ../shared/data/emotion --precision fp32 --threads 2
"""

import argparse
import json
import os
import random
import time

import torch
from sklearn.metrics import accuracy_score, precision_recall_fscore_support
from transformers import AutoModelForSequenceClassification, AutoTokenizer


def read_split(path):
    texts, labels = [], []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.rstrip("\n")
            if not line:
                continue
            text, label = line.rsplit(";", 1)
            texts.append(text)
            labels.append(label)
    return texts, labels


def batches(encoded, labels, batch_size, order, pad_id):
    for start in range(0, len(order), batch_size):
        rows = order[start:start + batch_size]
        length = max(len(encoded[i]) for i in rows)
        ids = torch.full((len(rows), length), pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), length), dtype=torch.long)
        for r, i in enumerate(rows):
            ids[r, :len(encoded[i])] = torch.tensor(encoded[i])
            mask[r, :len(encoded[i])] = 1
        yield ids, mask, torch.tensor([labels[i] for i in rows])


def evaluate(model, encoded, labels, batch_size, pad_id, autocast):
    model.eval()
    total, count, predictions = 0.0, 0, []
    with torch.no_grad(), autocast():
        for ids, mask, y in batches(encoded, labels, batch_size, list(range(len(encoded))), pad_id):
            out = model(input_ids=ids, attention_mask=mask, labels=y)
            total += out.loss.float().item() * len(y)
            count += len(y)
            predictions += out.logits.float().argmax(-1).tolist()
    model.train()
    return total / count, predictions


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True, help="folder with train.txt, validation.txt, test.txt")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    random.seed(args.seed)

    splits = {name: read_split(os.path.join(args.data, name + ".txt")) for name in ("train", "validation", "test")}
    names = sorted(set(splits["train"][1]))
    label_id = {name: i for i, name in enumerate(names)}
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    encoded = {k: tokenizer(v[0], truncation=True)["input_ids"] for k, v in splits.items()}
    labels = {k: [label_id[x] for x in v[1]] for k, v in splits.items()}

    model = AutoModelForSequenceClassification.from_pretrained(
        args.model, num_labels=len(names), id2label=dict(enumerate(names)), label2id=label_id)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    if args.precision == "bf16":
        autocast = lambda: torch.autocast("cpu", dtype=torch.bfloat16)
    else:
        autocast = lambda: torch.autocast("cpu", enabled=False)

    pad_id = tokenizer.pad_token_id
    train_seconds, validation_losses = 0.0, []
    started = time.time()
    for epoch in range(args.epochs):
        order = list(range(len(encoded["train"])))
        random.shuffle(order)
        epoch_start = time.time()
        for ids, mask, y in batches(encoded["train"], labels["train"], args.batch_size, order, pad_id):
            with autocast():
                loss = model(input_ids=ids, attention_mask=mask, labels=y).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
        train_seconds += time.time() - epoch_start
        val_loss, _ = evaluate(model, encoded["validation"], labels["validation"], args.batch_size, pad_id, autocast)
        validation_losses.append(val_loss)
        print(f"epoch {epoch + 1}: validation loss {val_loss:.4f}, train {train_seconds:.1f} s", flush=True)

    test_loss, predictions = evaluate(model, encoded["test"], labels["test"], args.batch_size, pad_id, autocast)
    precision, recall, f1, _ = precision_recall_fscore_support(labels["test"], predictions, average="weighted", zero_division=0)
    print(json.dumps({
        "framework": f"torch {torch.__version__}", "precision": args.precision, "threads": args.threads,
        "train_seconds": round(train_seconds, 1), "total_seconds": round(time.time() - started, 1),
        "validation_loss_per_epoch": [round(x, 4) for x in validation_losses], "test_loss": round(test_loss, 4),
        "accuracy": round(accuracy_score(labels["test"], predictions), 4),
        "precision_weighted": round(precision, 4), "recall_weighted": round(recall, 4), "f1_weighted": round(f1, 4),
    }))


if __name__ == "__main__":
    main()
