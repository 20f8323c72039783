"""Write the Parquet and Snappy fixtures that ParquetTests and SnappyTests read.

Run from the package root with the reference environment:

    ~/venv-ref/bin/python scripts/make_parquet_fixtures.py

Outputs, under Tests/FinetuneTests/Fixtures/:
  parquet/<name>.parquet     one small table written with different encodings, compressions and page versions
  parquet/expected.json      the table's rows as pyarrow reads them back (bytes as hex), and per file
                             its row count, row groups, codecs and encodings
  parquet/unsupported_*.parquet  files the reader must reject with a clear error
  hub/dataset/*.parquet      a tiny text-classification data set that the Hub tests serve
  snappy/cases.json          raw Snappy blocks from pyarrow's compressor with their plain text
The texts are synthetic; nothing is copied from any real data set.
"""

import json
import os
import random

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "FinetuneTests", "Fixtures")
PARQUET = os.path.join(ROOT, "parquet")
HUB = os.path.join(ROOT, "hub", "dataset")
SNAPPY = os.path.join(ROOT, "snappy")

WORDS = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "café", "naïve", "日本", "🙂"]


def make_table(rows: int, seed: int) -> pa.Table:
    rng = random.Random(seed)
    ids = list(range(rows))
    texts = []
    for i in range(rows):
        if i % 7 == 3:
            texts.append(None)
        else:
            # Few distinct texts, so dictionary encoding has something to share.
            texts.append(" ".join(rng.choice(WORDS) for _ in range(1 + i % 4)))
    labels = [None if i % 11 == 5 else rng.randrange(6) for i in range(rows)]
    scores = [rng.uniform(-1000.0, 1000.0) for _ in range(rows)]
    ratios = [float(rng.randrange(-500, 500)) / 8.0 for _ in range(rows)]
    flags = [None if i % 13 == 0 else (rng.random() < 0.5) for i in range(rows)]
    counts = [None if i < rows // 3 else rng.randrange(-(2**40), 2**40) for i in range(rows)]
    blobs = [bytes(rng.randrange(256) for _ in range(i % 5)) for i in range(rows)]
    codes = [bytes(rng.randrange(256) for _ in range(4)) for _ in range(rows)]
    unsigned = [None if i % 9 == 4 else rng.randrange(2**32) for i in range(rows)]
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "text": pa.array(texts, pa.string()),
            "label": pa.array(labels, pa.int32()),
            "score": pa.array(scores, pa.float64()),
            "ratio": pa.array(ratios, pa.float32()),
            "flag": pa.array(flags, pa.bool_()),
            "count": pa.array(counts, pa.int64()),
            "blob": pa.array(blobs, pa.binary()),
            "code": pa.array(codes, pa.binary(4)),
            "unsigned": pa.array(unsigned, pa.uint32()),
        },
        schema=pa.schema(
            [
                pa.field("id", pa.int64(), nullable=False),
                pa.field("text", pa.string()),
                pa.field("label", pa.int32()),
                pa.field("score", pa.float64(), nullable=False),
                pa.field("ratio", pa.float32(), nullable=False),
                pa.field("flag", pa.bool_()),
                pa.field("count", pa.int64()),
                pa.field("blob", pa.binary(), nullable=False),
                pa.field("code", pa.binary(4), nullable=False),
                pa.field("unsigned", pa.uint32()),
            ]
        ),
    )


def json_value(value):
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    return value


def read_rows(path: str) -> list:
    table = pq.read_table(path)
    return [{key: json_value(value) for key, value in row.items()} for row in table.to_pylist()]


def describe(path: str) -> dict:
    meta = pq.ParquetFile(path).metadata
    encodings = set()
    codecs = set()
    for g in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            column = meta.row_group(g).column(c)
            encodings.update(column.encodings)
            codecs.add(column.compression)
    return {
        "num_rows": meta.num_rows,
        "num_row_groups": meta.num_row_groups,
        "codecs": sorted(codecs),
        "encodings": sorted(encodings),
    }


def write_supported() -> None:
    table = make_table(60, seed=1)
    variants = {
        # name: keyword arguments for pq.write_table
        "plain_none_v1": dict(use_dictionary=False, compression="NONE", data_page_version="1.0"),
        "dict_snappy_v1": dict(use_dictionary=True, compression="SNAPPY", data_page_version="1.0", row_group_size=25),
        "dict_gzip_v2": dict(use_dictionary=True, compression="GZIP", data_page_version="2.0"),
        "plain_zstd_v2_pages": dict(
            use_dictionary=False,
            compression="ZSTD",
            data_page_version="2.0",
            data_page_size=128,
            write_batch_size=8,
            row_group_size=40,
        ),
        "dict_fallback_snappy_v1": dict(
            use_dictionary=True,
            compression="SNAPPY",
            data_page_version="1.0",
            dictionary_pagesize_limit=64,
            data_page_size=128,
            write_batch_size=8,
        ),
        "plain_dictionary_format1": dict(use_dictionary=True, compression="NONE", version="1.0"),
        "uncompressed_v2": dict(use_dictionary=["text"], compression="NONE", data_page_version="2.0"),
    }
    files = {}
    expected_rows = None
    for name, options in variants.items():
        path = os.path.join(PARQUET, name + ".parquet")
        pq.write_table(table, path, **options)
        rows = read_rows(path)
        # Every variant stores the same table, so one list of rows serves all of them.
        assert expected_rows is None or rows == expected_rows, name
        expected_rows = rows
        files[name] = describe(path)
        print(name, files[name])
    expected = {"columns": table.column_names, "rows": expected_rows, "files": files}
    with open(os.path.join(PARQUET, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1, ensure_ascii=False)
        f.write("\n")


def write_unsupported() -> None:
    nested = pa.table({"id": pa.array([1, 2], pa.int64()), "tags": pa.array([[1, 2], [3]], pa.list_(pa.int32()))})
    pq.write_table(nested, os.path.join(PARQUET, "unsupported_nested.parquet"), compression="NONE")

    flat = pa.table({"id": pa.array(list(range(20)), pa.int64()), "text": pa.array(["x"] * 20, pa.string())})
    pq.write_table(flat, os.path.join(PARQUET, "unsupported_brotli.parquet"), compression="BROTLI")
    pq.write_table(
        flat,
        os.path.join(PARQUET, "unsupported_byte_stream_split.parquet"),
        use_dictionary=False,
        compression="NONE",
        column_encoding={"id": "BYTE_STREAM_SPLIT"},
    )
    for name in ["unsupported_nested", "unsupported_brotli", "unsupported_byte_stream_split"]:
        print(name, describe(os.path.join(PARQUET, name + ".parquet")))


LABELS = ["sadness", "joy", "love", "anger", "fear", "surprise"]


def write_hub_dataset() -> None:
    rng = random.Random(7)
    sizes = {"train": 24, "validation": 6, "test": 8}
    features = {
        "text": {"dtype": "string", "_type": "Value"},
        "label": {"names": LABELS, "_type": "ClassLabel"},
    }
    metadata = {b"huggingface": json.dumps({"info": {"features": features}}).encode()}
    for split, size in sizes.items():
        texts = [f"{split} example {i} " + " ".join(rng.choice(WORDS[:8]) for _ in range(3)) for i in range(size)]
        labels = [i % len(LABELS) for i in range(size)]
        schema = pa.schema([pa.field("text", pa.string()), pa.field("label", pa.int64())], metadata=metadata)
        table = pa.table({"text": texts, "label": labels}, schema=schema)
        pq.write_table(table, os.path.join(HUB, f"{split}-00000-of-00001.parquet"), compression="SNAPPY")


def write_snappy() -> None:
    rng = random.Random(3)
    texts = {
        "empty": b"",
        "short_literal": b"abc",
        "long_literal": bytes(rng.randrange(256) for _ in range(300)),
        "repeated_byte": b"a" * 1000,
        "repeated_phrase": b"the quick brown fox jumps over the lazy dog. " * 40,
        "mixed": b"".join(rng.choice([b"alpha ", b"beta ", bytes(rng.randrange(256) for _ in range(7))]) for _ in range(400)),
        "far_copy": bytes(rng.randrange(256) for _ in range(3000)) * 3,
    }
    cases = []
    for name, text in texts.items():
        compressed = pa.compress(text, codec="snappy", asbytes=True)
        cases.append({"name": name, "plain_hex": text.hex(), "snappy_hex": compressed.hex()})
    with open(os.path.join(SNAPPY, "cases.json"), "w") as f:
        json.dump(cases, f)
        f.write("\n")


def main() -> None:
    for folder in [PARQUET, HUB, SNAPPY]:
        os.makedirs(folder, exist_ok=True)
    write_supported()
    write_unsupported()
    write_hub_dataset()
    write_snappy()


if __name__ == "__main__":
    main()
