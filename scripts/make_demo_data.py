#!/usr/bin/env python3
"""Build the six-emotion demo data set in data/demo/ from hand-written parts.

Each label has one file, scripts/demo_data/<label>.txt, with three sections:

  [sentences]   complete sentences, used as they are
  [situations]  clauses in the simple past ("my boss took credit for my report")
  [frames]      sentence patterns with one {s} slot for a situation

Every situation is combined with FRAMES_PER_SITUATION different frames of
its own label. Sentences and situations are assigned to exactly one split,
so a test sentence never shares its situation with a training sentence and
the test split measures more than memorised events.

The output is deterministic for a given --seed. Run with no arguments from
anywhere, then check the result with scripts/check_demo_data.py.
"""

import argparse
import os
import random
import sys
import tempfile

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
SPLITS = ["train", "validation", "test"]

# Per label: complete sentences and situations held out for each of
# validation and test. Everything else goes to train.
HELD_OUT_SENTENCES = 14
HELD_OUT_SITUATIONS = 6
FRAMES_PER_SITUATION = 4

MIN_WORDS = 4
MAX_WORDS = 30

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE_DIR = os.path.join(ROOT, "scripts", "demo_data")
OUTPUT_DIR = os.path.join(ROOT, "data", "demo")


def read_parts(path):
    """Parse one label file into a dict of section name to list of lines."""
    parts = {"sentences": [], "situations": [], "frames": []}
    section = None
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
                if section not in parts:
                    sys.exit(f"{path}:{number}: unknown section [{section}], "
                             f"expected one of {sorted(parts)}")
                continue
            if section is None:
                sys.exit(f"{path}:{number}: text before the first section header; "
                         "add [sentences], [situations] or [frames] above it")
            if section == "frames" and line.count("{s}") != 1:
                sys.exit(f"{path}:{number}: frame needs exactly one {{s}} slot: {line!r}")
            parts[section].append(line)
    return parts


def shuffled_copy(items, rng):
    copy = list(items)
    rng.shuffle(copy)
    return copy


def cut(items, held_out):
    """Cut items into (train, validation, test), with held_out items each for validation and test."""
    if len(items) < 2 * held_out + 1:
        sys.exit(f"only {len(items)} items, need more than {2 * held_out} "
                 "so that train keeps some; add more hand-written lines")
    return items[2 * held_out:], items[held_out:2 * held_out], items[:held_out]


def build_label(label, parts, seed):
    """Build the texts of one label as {split: [text, ...]}."""
    rng = random.Random(f"{seed}-{label}")
    sentences = cut(shuffled_copy(parts["sentences"], rng), HELD_OUT_SENTENCES)
    situations = cut(shuffled_copy(parts["situations"], rng), HELD_OUT_SITUATIONS)

    frames = parts["frames"]
    if len(frames) < FRAMES_PER_SITUATION:
        sys.exit(f"label {label}: {len(frames)} frames, need at least {FRAMES_PER_SITUATION}")
    uses = {frame: 0 for frame in frames}

    texts = {}
    for split, split_sentences, split_situations in zip(SPLITS, sentences, situations):
        combined = list(split_sentences)
        for situation in split_situations:
            # Take the least used frames, breaking ties at random, so every
            # frame is used about equally but frames do not always come in
            # the same groups.
            ranked = sorted(frames, key=lambda frame: (uses[frame], rng.random()))
            for frame in ranked[:FRAMES_PER_SITUATION]:
                uses[frame] += 1
                combined.append(frame.replace("{s}", situation))
        texts[split] = combined
    return texts


def validate(rows_by_split):
    """Exit with a message if any text breaks the data set's rules."""
    seen = {}
    for split in SPLITS:
        for text, label in rows_by_split[split]:
            key = " ".join(text.lower().split())
            if key in seen:
                sys.exit(f"duplicate text in {split} ({label}) and {seen[key]}: {text!r}")
            seen[key] = f"{split} ({label})"
            if ";" in text:
                sys.exit(f"semicolon inside text ({label}): {text!r}")
            words = len(text.split())
            if not MIN_WORDS <= words <= MAX_WORDS:
                sys.exit(f"{words} words, expected {MIN_WORDS} to {MAX_WORDS} ({label}): {text!r}")


def write_atomically(path, lines):
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as output:
        output.write("".join(line + "\n" for line in lines))
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=20240601,
                        help="seed for the split assignment, frame choice and line order")
    parser.add_argument("--output", default=OUTPUT_DIR,
                        help="folder that receives train.txt, validation.txt and test.txt")
    args = parser.parse_args()

    rows_by_split = {split: [] for split in SPLITS}
    for label in LABELS:
        parts = read_parts(os.path.join(SOURCE_DIR, f"{label}.txt"))
        for split, texts in build_label(label, parts, args.seed).items():
            rows_by_split[split].extend((text, label) for text in texts)

    validate(rows_by_split)

    os.makedirs(args.output, exist_ok=True)
    order = random.Random(f"{args.seed}-order")
    for split in SPLITS:
        rows = shuffled_copy(rows_by_split[split], order)
        write_atomically(os.path.join(args.output, f"{split}.txt"),
                         [f"{text};{label}" for text, label in rows])
        print(f"{split}: {len(rows)} lines")


if __name__ == "__main__":
    main()
