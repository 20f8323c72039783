"""Write Tests/FinetuneTests/Fixtures/parquet/labelled.parquet: a small Hub-style split with a
string `text` column and an int64 `label` column (one null label), Snappy-compressed, in two
row groups, as `datasets` writes them. Run with the reference environment (pyarrow)."""

import os

import pyarrow as pa
import pyarrow.parquet as pq

TEXTS = [
    "the parcel arrived a week early",
    "i miss the old neighbourhood",
    "why would anyone cancel the meeting twice",
    "the storm kept me awake all night",
    "we finally adopted the grey cat",
    "my sister called just to say she loves me",
    "",
    "crème brûlée for dessert, what a day",
]
LABELS = [5, 0, 3, 4, 1, 2, None, 1]

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, "..", "Tests", "FinetuneTests", "Fixtures", "parquet", "labelled.parquet")
table = pa.table({"text": pa.array(TEXTS, pa.string()), "label": pa.array(LABELS, pa.int64())})
pq.write_table(table, path, compression="snappy", row_group_size=5)
print(f"wrote {os.path.normpath(path)}")
