"""The store's tables as Arrow schemas, and documents and stage outputs as rows of them.

A stage's output data is a dict. The keys every version of a stage writes get typed columns
(token offsets as integer pairs, spans as lists of structs), so DuckDB, Polars or Spark read them
without newscorpus; anything else, or a value that does not fit its column exactly (a missing key,
an int where a float goes), is kept in the ``data`` column as JSON. A stage output read back is the
dict that was written: no key is added or lost, no number changes type.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import orjson
import pyarrow as pa

from pipeline import stages
from pipeline.corpus.record import Document, StageOutput

JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY

DOCUMENTS = pa.schema(
    [
        pa.field("seq", pa.int64(), nullable=False),  # ingest order
        pa.field("id", pa.string(), nullable=False),
        pa.field("group_id", pa.string(), nullable=False),  # near-duplicate group (a document id)
        pa.field("chars", pa.int64(), nullable=False),
        pa.field("minhash", pa.string()),  # base64 of the MinHash signature
        pa.field("bands", pa.list_(pa.int64())),  # LSH band keys of a group's first document (neardup.py)
        pa.field("meta", pa.string(), nullable=False),  # JSON: headline, byline, place, date, ...
        pa.field("text", pa.large_string(), nullable=False),
    ]
)
# Only these leading columns get min/max statistics in the table's log (text would be costly).
INDEXED_COLUMNS = 2
INDEXED_NAMES = ("seq", "id")  # every table's first two columns (documents and stages alike)
# Rows per Parquet row group: a read of one document (``show``) or of a range of ``seq`` decodes the
# row groups that hold it, and a compacted file of a million rows in one row group is read whole.
ROW_GROUP_ROWS = 2048

# [[start, end], ...] character offsets; a plain list inside, as Delta's schema has no fixed-size lists
OFFSETS = pa.list_(pa.list_(pa.int32()))
SPAN_FIELDS = [("start", pa.int32()), ("end", pa.int32()), ("label", pa.string()), ("text", pa.string())]
ENTITY = pa.struct([*SPAN_FIELDS, ("source", pa.string()), ("score", pa.float64())])
CLAIM = pa.struct(
    [
        *SPAN_FIELDS,
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("approx", pa.string()),
        ("low", pa.float64()),
        ("high", pa.float64()),
        ("from", pa.float64()),
        ("to", pa.float64()),
        ("source", pa.string()),
        ("score", pa.float64()),
    ]
)
NOTE = pa.struct([("kind", pa.string()), ("detail", pa.string())])
LEFT_OUT = pa.struct([("start", pa.int32()), ("end", pa.int32()), ("reason", pa.string())])
RELATION = pa.struct([("head", pa.int32()), ("tail", pa.int32()), ("type", pa.string())])

STAGE_COMMON = [
    pa.field("seq", pa.int64(), nullable=False),  # the document's ingest order, for range reads
    pa.field("id", pa.string(), nullable=False),
    pa.field("version", pa.string(), nullable=False),
    pa.field("fingerprint", pa.string(), nullable=False),
    pa.field("error", pa.string()),
    pa.field("revision", pa.string(), nullable=False),  # new for every write of the row
    pa.field("data", pa.large_string()),  # JSON: whatever has no typed column
]
COLUMN_TYPES: dict[str, pa.DataType] = {  # the Arrow type of each column kind a stage may declare
    "offsets": OFFSETS,
    "text": pa.large_string(),
    "entities": pa.list_(ENTITY),
    "claims": pa.list_(CLAIM),
    "relations": pa.list_(RELATION),
    "left_out": pa.list_(LEFT_OUT),
    "notes": pa.list_(NOTE),
    "string": pa.string(),
    "strings": pa.list_(pa.string()),
}
_TYPED: dict[str, list[tuple[str, pa.DataType]]] = {}  # per registered stage, made at first use
_CHECKS: dict[str, dict[str, Callable[[Any], bool]]] = {}


def typed_fields(stage: str) -> list[tuple[str, pa.DataType]]:
    """The stage's output fields that have their own column (the registry's ``fields``), with their types."""
    typed = _TYPED.get(stage)
    if typed is None:
        registered = stages.REGISTRY.get(stage)
        if registered is None:
            return []
        typed = _TYPED[stage] = [(name, COLUMN_TYPES[kind]) for name, kind in registered.fields.items()]
        _CHECKS[stage] = {name: _fits(type_) for name, type_ in typed}
    return typed


def stage_schema(stage: str) -> pa.Schema:
    return pa.schema([*STAGE_COMMON, *(pa.field(name, type_) for name, type_ in typed_fields(stage))])


# -- whether a value fits its column exactly ---------------------------------------------------------


def _fits(type_: pa.DataType) -> Callable[[Any], bool]:
    """A check that a Python value converts to ``type_`` and back unchanged (None allowed inside)."""
    if type_ == OFFSETS:
        return _fits_offsets
    if pa.types.is_integer(type_):
        return lambda value: value is None or type(value) is int
    if pa.types.is_floating(type_):
        return lambda value: value is None or type(value) is float
    if pa.types.is_string(type_) or pa.types.is_large_string(type_):
        return lambda value: value is None or type(value) is str
    if pa.types.is_list(type_):
        item = _fits(type_.value_type)
        return lambda value: type(value) is list and all(map(item, value))
    if pa.types.is_struct(type_):
        fields = {type_.field(i).name: _fits(type_.field(i).type) for i in range(type_.num_fields)}
        names = fields.keys()
        return lambda value: (
            type(value) is dict and value.keys() == names and all(check(value[name]) for name, check in fields.items())
        )
    raise TypeError(f"no check for {type_}")


def _fits_offsets(value: Any) -> bool:
    if isinstance(value, np.ndarray):
        return (
            value.ndim == 2
            and value.shape[1] == 2
            and value.dtype.kind in "iu"
            and (value.size == 0 or (value.min() >= 0 and value.max() < 2**31))
        )
    return type(value) is list and all(
        type(pair) in (list, tuple)
        and len(pair) == 2
        and type(pair[0]) is int
        and type(pair[1]) is int
        and 0 <= pair[0] < 2**31
        and 0 <= pair[1] < 2**31
        for pair in value
    )


# -- rows ------------------------------------------------------------------------------------------


def document_row(document: Document, seq: int, minhash: str | None, bands: list[int] | None) -> dict[str, Any]:
    return {
        "seq": seq,
        "id": document.id,
        "group_id": document.group,
        "chars": len(document.text),
        "minhash": minhash,
        "bands": bands,
        "meta": orjson.dumps(document.meta, option=JSON_OPTIONS).decode(),
        "text": document.text,
    }


def stage_row(stage: str, seq: int, doc_id: str, output: StageOutput) -> dict[str, Any]:
    typed_fields(stage)  # makes the stage's checks at first use
    checks = _CHECKS.get(stage, {})
    typed: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for key, value in output.data.items():
        check = checks.get(key)
        if check is not None and value is not None and check(value):
            typed[key] = value
        else:
            rest[key] = value
    return {
        "seq": seq,
        "id": doc_id,
        "version": output.version,
        "fingerprint": output.fingerprint,
        "error": output.error,
        "revision": uuid.uuid4().hex[:16],
        "data": orjson.dumps(rest, option=JSON_OPTIONS).decode() if rest else None,
        **typed,
    }


def to_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows as a table of ``schema``; offsets columns are built from numpy, not element by element."""
    arrays = []
    for field in schema:
        values = [row.get(field.name) for row in rows]
        arrays.append(_offsets_array(values) if field.type == OFFSETS else pa.array(values, type=field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _offsets_array(values: list[Any]) -> pa.Array:
    pairs = [np.asarray(value, dtype=np.int32).reshape(-1, 2) if value is not None else None for value in values]
    counts = np.array([0 if p is None else len(p) for p in pairs], dtype=np.int32)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    present = [p for p in pairs if p is not None]
    flat = np.concatenate([p.ravel() for p in present]) if present else np.empty(0, dtype=np.int32)
    pairs_offsets = pa.array(np.arange(0, len(flat) + 1, 2, dtype=np.int32))
    inner = pa.ListArray.from_arrays(pairs_offsets, pa.array(flat, type=pa.int32()))
    mask = pa.array([p is None for p in pairs], type=pa.bool_())
    return pa.ListArray.from_arrays(pa.array(offsets), inner, type=OFFSETS, mask=mask)


def columns_of(table: pa.Table) -> dict[str, list[Any]]:
    """Each column as Python values; offsets columns as (n, 2) int32 numpy arrays (no per-token objects)."""
    return {
        name: _offsets_values(table.column(name))
        if table.schema.field(name).type == OFFSETS
        else table.column(name).to_pylist()
        for name in table.column_names
    }


def _offsets_values(column: pa.ChunkedArray) -> list[np.ndarray | None]:
    values: list[np.ndarray | None] = []
    for chunk in column.chunks:
        offsets = chunk.offsets.to_numpy()
        flat = chunk.flatten().flatten().to_numpy(zero_copy_only=False).reshape(-1, 2)
        base = offsets[0]
        valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        for index in range(len(chunk)):
            values.append(flat[offsets[index] - base : offsets[index + 1] - base] if valid[index] else None)
    return values


def rows_of(table: pa.Table) -> Iterable[dict[str, Any]]:
    columns = columns_of(table)
    names = list(columns)
    for values in zip(*columns.values()):
        yield dict(zip(names, values))


def stage_output(stage: str, row: dict[str, Any]) -> StageOutput:
    data = orjson.loads(row["data"]) if row["data"] else {}
    for name, _ in typed_fields(stage):
        value = row.get(name)
        if value is not None:
            data[name] = value
    return StageOutput(stage, row["version"], row["fingerprint"], data, row["error"])


def document_of(row: dict[str, Any]) -> Document:
    return Document(id=row["id"], text=row["text"], meta=orjson.loads(row["meta"]), group=row["group_id"])
