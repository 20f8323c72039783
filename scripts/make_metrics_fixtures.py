"""Write golden classification metrics from scikit-learn for MetricsTests.

Run from the package root with a Python that has scikit-learn and numpy (the committed
file was written with scikit-learn 1.9.1, whose version the file records):

    python scripts/make_metrics_fixtures.py

Writes Tests/FinetuneTests/Fixtures/metrics/cases.json: a list of cases, each with class
names, reference and predicted class ids, and the expected metrics in the JSON layout of
ClassificationMetrics. Weighted and macro averages come from precision_recall_fscore_support
without a `labels` argument (scikit-learn's default, the classes that occur). Per-class scores
and the confusion matrix come from the same functions with labels=range(n).
"""

import json
import os

import numpy as np
import sklearn
from sklearn.metrics import accuracy_score, confusion_matrix, precision_recall_fscore_support

OUTPUT = os.path.join("Tests", "FinetuneTests", "Fixtures", "metrics", "cases.json")


def expected(references, predictions, labels):
    """Return the metrics of one case, computed by scikit-learn with zero_division=0."""
    all_ids = list(range(len(labels)))
    weighted = precision_recall_fscore_support(references, predictions, average="weighted", zero_division=0)
    macro = precision_recall_fscore_support(references, predictions, average="macro", zero_division=0)
    per_class = precision_recall_fscore_support(references, predictions, labels=all_ids, average=None, zero_division=0)
    return {
        "examples": len(references),
        "accuracy": float(accuracy_score(references, predictions)),
        "precision": float(weighted[0]),
        "recall": float(weighted[1]),
        "f1": float(weighted[2]),
        "average": "weighted",
        "macro": {"precision": float(macro[0]), "recall": float(macro[1]), "f1": float(macro[2])},
        "per_class": [
            {
                "label": labels[k],
                "precision": float(per_class[0][k]),
                "recall": float(per_class[1][k]),
                "f1": float(per_class[2][k]),
                "support": int(per_class[3][k]),
            }
            for k in all_ids
        ],
        "confusion_matrix": confusion_matrix(references, predictions, labels=all_ids).tolist(),
        "labels": labels,
    }


def case(name, references, predictions, labels):
    references = [int(x) for x in references]
    predictions = [int(x) for x in predictions]
    return {
        "name": name,
        "references": references,
        "predictions": predictions,
        "expected": expected(references, predictions, labels),
    }


def main():
    rng = np.random.default_rng(20240607)
    cases = [
        case("binary", [0, 1, 1, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 1, 1, 0], ["negative", "positive"]),
        case("perfect", [0, 1, 2, 2, 1, 0], [0, 1, 2, 2, 1, 0], ["a", "b", "c"]),
        # Class 2 ("c") occurs in the references but is never predicted.
        case("never_predicted", [0, 1, 2, 2, 1, 0, 2], [0, 1, 1, 0, 1, 0, 1], ["a", "b", "c"]),
        # Class 3 ("d") is predicted but absent from the references.
        case("absent_from_references", [0, 1, 2, 1, 0, 2], [0, 3, 2, 1, 3, 2], ["a", "b", "c", "d"]),
        # Class 3 ("d") neither occurs nor is predicted: it stays out of the macro average.
        case("unused_class", [0, 1, 2, 1, 0], [0, 2, 2, 1, 1], ["a", "b", "c", "d"]),
    ]
    for index in range(6):
        class_count = int(rng.integers(2, 8))
        example_count = int(rng.integers(20, 200))
        references = rng.integers(0, class_count, size=example_count)
        # Mostly correct predictions with random errors, so scores spread over (0, 1).
        noise = rng.integers(0, class_count, size=example_count)
        keep = rng.random(example_count) < 0.6
        predictions = np.where(keep, references, noise)
        labels = [f"class_{k}" for k in range(class_count)]
        cases.append(case(f"random_{index}", references, predictions, labels))

    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    temporary = OUTPUT + ".tmp"
    with open(temporary, "w") as file:
        json.dump({"sklearn_version": sklearn.__version__, "cases": cases}, file, indent=1)
        file.write("\n")
    os.replace(temporary, OUTPUT)
    print(f"wrote {len(cases)} cases to {OUTPUT}")


if __name__ == "__main__":
    main()
