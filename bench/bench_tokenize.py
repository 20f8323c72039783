#!/usr/bin/env python3
"""Time tokenization of the 16,000 emotion training texts: Hugging Face's Rust tokenizer against ours.

    ~/venv-ref/bin/python bench/bench_tokenize.py [--repeats 7] [--threads 2] [--swift-command CMD]

Both sides use the same number of threads (default: all cores; pass --threads 2 on the 2-core machines).
Hugging Face side: `backend_tokenizer.encode_batch` (the Rust `tokenizers` 0.23 batch encoder, parallel over
RAYON_NUM_THREADS threads, truncation at the model maximum), and for reference the `transformers` 5
`tokenizer(texts, truncation=True)` call that training scripts use, which adds Python-side conversion.
Swift side: `finetune tokenize --model DIR --input FILE --timing --repeats N`, which prints the ids as JSON
lines on stdout and one JSON timing line on stderr (`TokenizeBenchmarkResult.timingJSON`: load time and the
wall time of each `encodeBatch` run). `--swift-command` replaces the default
`.build/release/finetune tokenize --model {model} --input {input} --timing --repeats {repeats}`; build it first
with `swift build -c release`. Each side reports its best run; the Swift ids are checked against HF's.

Models: roberta-base from ../shared/data/roberta-base (vocab.json + merges.txt, maximum 512) and
all-MiniLM-L6-v2 from .cache/models (tokenizer.json, maximum 512).
"""

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = (ROOT / ".." / "shared" / "data").resolve()
MODELS = {
    "roberta-base": SHARED / "roberta-base",
    "all-MiniLM-L6-v2": ROOT / ".cache" / "models" / "all-MiniLM-L6-v2",
}


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per side (best is reported)")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for HF (RAYON_NUM_THREADS)")
    parser.add_argument("--swift-command", default=".build/release/finetune tokenize --model {model} --input {input} "
                        "--timing --repeats {repeats}", help="Swift command template; {model} {input} {repeats}")
    return parser.parse_args()


def training_texts():
    lines = (SHARED / "emotion" / "train.txt").read_text(encoding="utf-8").split("\n")
    return [line[: line.rindex(";")] for line in lines if line]


def time_hf(name, folder, texts, repeats):
    from transformers import AutoTokenizer, RobertaTokenizerFast

    if name == "roberta-base":
        tokenizer = RobertaTokenizerFast.from_pretrained(str(folder), model_max_length=512)
    else:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    backend = tokenizer.backend_tokenizer
    backend.no_padding()
    backend.enable_truncation(tokenizer.model_max_length)

    rust_runs, call_runs = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        encodings = backend.encode_batch(texts)
        rust_runs.append(time.perf_counter() - start)
        start = time.perf_counter()
        tokenizer(texts, truncation=True)
        call_runs.append(time.perf_counter() - start)
    return [encoding.ids for encoding in encodings], min(rust_runs), min(call_runs)


def time_swift(command_template, folder, input_path, repeats):
    command = command_template.format(model=shlex.quote(str(folder)), input=shlex.quote(str(input_path)), repeats=repeats)
    result = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        return None, f"failed ({result.returncode}): {result.stderr.strip()[-300:]}"
    timing = None
    for line in result.stderr.splitlines():
        if line.startswith("{") and "encode_seconds_min" in line:
            timing = json.loads(line)
    if timing is None:
        return None, "no timing line on stderr (needs --timing)"
    ids = [json.loads(line) for line in result.stdout.splitlines()]
    return ids, timing


def main():
    arguments = parse_arguments()
    os.environ["RAYON_NUM_THREADS"] = str(arguments.threads)
    os.environ["TOKENIZERS_PARALLELISM"] = "true"
    texts = training_texts()
    print(f"{len(texts)} texts, {arguments.threads} threads, best of {arguments.repeats} runs")
    print(f"{'model':<18} {'HF Rust encode_batch':>21} {'HF transformers call':>21} {'Swift encodeBatch':>18} {'ids match':>10}")

    with tempfile.TemporaryDirectory() as scratch:
        input_path = Path(scratch) / "texts.txt"
        input_path.write_text("".join(text + "\n" for text in texts), encoding="utf-8")
        for name, folder in MODELS.items():
            if not folder.exists():
                print(f"{name:<18} skipped: {folder} not found")
                continue
            hf_ids, rust_seconds, call_seconds = time_hf(name, folder, texts, arguments.repeats)
            swift_ids, swift = time_swift(arguments.swift_command, folder, input_path, arguments.repeats)
            if swift_ids is None:
                swift_text, match = swift, "-"
            else:
                swift_text = f"{swift['encode_seconds_min'] * 1000:.1f} ms"
                match = "yes" if swift_ids == hf_ids else "NO"
            print(f"{name:<18} {rust_seconds * 1000:>18.1f} ms {call_seconds * 1000:>18.1f} ms {swift_text:>18} {match:>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
