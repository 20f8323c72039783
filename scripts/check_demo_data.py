#!/usr/bin/env python3
"""Check the six-emotion demo data set and print a count per split and label.

Usage: python3 scripts/check_demo_data.py [FOLDER]   (default: data/demo)

FOLDER must contain train.txt, validation.txt and test.txt. Each line is
`text;label`, where the label follows the only semicolon. The script checks
that every file:

- is valid UTF-8, with LF line endings, no blank lines and a final newline;
- has a label from LABELS after the semicolon and no semicolon in the text;
- has no leading, trailing or doubled whitespace in the text;
- keeps each text between MIN_WORDS and MAX_WORDS words;
- has at least MIN_PER_LABEL[split] lines for every label;

and that no text occurs twice, compared case-insensitively, within a split
or across splits. It exits with status 1 and lists every problem found,
or status 0 after printing the summary table.
"""

import os
import sys

LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
SPLITS = ["train", "validation", "test"]
MIN_PER_LABEL = {"train": 200, "validation": 30, "test": 30}
MIN_WORDS = 4
MAX_WORDS = 30

# Stop listing problems of one kind per file after this many, so a wholly
# broken file does not flood the terminal.
MAX_REPORTED_PER_FILE = 20

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_FOLDER = os.path.join(ROOT, "data", "demo")


def read_lines(path, problems):
    """Read a file as UTF-8 and return its lines without line endings, or None if that fails."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        problems.append(f"{path}: failed to read file ({error.strerror}); "
                        "run scripts/make_demo_data.py to create it")
        return None
    try:
        content = raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError as error:
        problems.append(f"{path}: invalid UTF-8 at byte {error.start}; re-save the file as UTF-8")
        return None
    if content.startswith("\ufeff"):
        problems.append(f"{path}: starts with a byte order mark; remove it")
    if "\r" in content:
        problems.append(f"{path}: contains carriage returns; use LF line endings")
    if not content:
        problems.append(f"{path}: file is empty")
        return []
    if not content.endswith("\n"):
        problems.append(f"{path}: missing newline after the last line")
    return content.rstrip("\n").split("\n")


def check_line(path, number, line):
    """Parse and check one `text;label` line.

    Returns (text, label, None) for a valid line and (None, None, message) otherwise.
    """
    where = f"{path}:{number}"
    if not line.strip():
        return None, None, f"{where}: blank line; remove it"
    if ";" not in line:
        return None, None, f"{where}: no semicolon, expected `text;label`: {line!r}"
    text, label = line.rsplit(";", 1)
    if ";" in text:
        return None, None, f"{where}: semicolon inside the text; reword it without one: {line!r}"
    if label not in LABELS:
        return None, None, (f"{where}: unknown label {label!r}, expected one of "
                            f"{', '.join(LABELS)}")
    if text != " ".join(text.split()):
        return None, None, (f"{where}: leading, trailing or repeated whitespace "
                            f"in the text: {text!r}")
    words = len(text.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        return None, None, (f"{where}: {words} words, expected {MIN_WORDS} to "
                            f"{MAX_WORDS}: {text!r}")
    return text, label, None


def check_folder(folder):
    """Check the three split files in folder.

    Returns counts[split][label] of valid, unique lines and a list of problem messages.
    """
    problems = []
    counts = {split: {label: 0 for label in LABELS} for split in SPLITS}
    first_seen = {}

    for split in SPLITS:
        path = os.path.join(folder, f"{split}.txt")
        lines = read_lines(path, problems)
        if lines is None:
            continue

        reported = 0
        for number, line in enumerate(lines, start=1):
            text, label, problem = check_line(path, number, line)
            if problem is None:
                key = text.lower()
                if key in first_seen:
                    problem = f"{path}:{number}: duplicate of {first_seen[key]}: {text!r}"
                else:
                    first_seen[key] = f"{split}.txt:{number}"
                    counts[split][label] += 1
            if problem is not None:
                reported += 1
                if reported <= MAX_REPORTED_PER_FILE:
                    problems.append(problem)
        if reported > MAX_REPORTED_PER_FILE:
            problems.append(f"{path}: {reported - MAX_REPORTED_PER_FILE} more problems not listed")

        for label in LABELS:
            if counts[split][label] < MIN_PER_LABEL[split]:
                problems.append(f"{path}: {counts[split][label]} valid lines labelled {label}, "
                                f"expected at least {MIN_PER_LABEL[split]}; add more examples")
    return counts, problems


def print_summary(counts):
    width = max(len(label) for label in LABELS + ["total"])
    print(f"{'label':<{width}}" + "".join(f"{split:>12}" for split in SPLITS) + f"{'all':>12}")
    for label in LABELS:
        row = [counts[split][label] for split in SPLITS]
        print(f"{label:<{width}}" + "".join(f"{n:>12}" for n in row) + f"{sum(row):>12}")
    totals = [sum(counts[split].values()) for split in SPLITS]
    print(f"{'total':<{width}}" + "".join(f"{n:>12}" for n in totals) + f"{sum(totals):>12}")


def main():
    if len(sys.argv) > 2 or (len(sys.argv) == 2 and sys.argv[1] in ("-h", "--help")):
        print(__doc__)
        return 0 if len(sys.argv) == 2 else 2
    folder = sys.argv[1] if len(sys.argv) == 2 else DEFAULT_FOLDER

    counts, problems = check_folder(folder)
    print_summary(counts)
    if problems:
        print(f"\n{len(problems)} problems found in {folder}:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"\n{folder}: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
