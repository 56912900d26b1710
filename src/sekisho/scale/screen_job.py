"""Batch party screening on Spark: the same answers as `sekisho screen batch`, on many cores.

How it works, and why:
* The driver builds the one `Screener` (store snapshots, freshness problems, whitelist, name
  index) exactly as the single-party path does, pickles it once and broadcasts it. Each Python
  worker process unpickles it at most once and keeps it in `_SCREENERS`, keyed by the digest of
  the pickle (which covers the snapshot ids, threshold and whitelist), so tasks after the first
  pay nothing. Executors never open the store: they need no shared disk and no database.
  They must run the same matching code as the driver: a digest of that code travels with the
  job, and a worker with other code answers "review" on every row rather than other scores.
* Input rows keep their position: text files are read line by line with their line number,
  Parquet rows with their record number. Rows are range-partitioned by that number, so
  partitions stay in input order and the output is written in input order.
* Fail closed, row by row: every output row carries the screener's problems (missing or stale
  lists) and is "review" when there are any; a row that cannot be parsed or screened becomes a
  "review" row naming its row number and the error. No row is ever dropped.
* Output is JSON Lines (one file, the same objects `sekisho screen batch` writes, plus `row`
  and `error`) or a Parquet dataset (a folder) with hits as an array of structs. Either appears
  by one rename when the whole job has succeeded; nothing half-written is left behind.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
import pickle
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekisho.errors import InputError, SekishoError
from sekisho.screen.party import Screener
from sekisho.screen.partyio import COLUMNS, make_party, result_json

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import DataFrame, SparkSession

TEXT_SUFFIXES = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
ALLOWED_COLUMNS = (*COLUMNS, "address")
ROWS_PER_PARTITION = 5_000  # at most; and at least two partitions per core, so cores stay busy
MAX_REPORTED = 20  # bad rows listed in the job report (all of them are in the output)

# one screener per Python worker process, keyed by the digest of its pickle
_SCREENERS: dict[str, Screener] = {}


@dataclass
class JobReport:
    """What a screening job did (the rows themselves are in `out`)."""

    out: Path
    rows: int = 0
    flagged: int = 0  # outcome other than "clear" (hits, or review)
    outcomes: dict[str, int] = field(default_factory=dict)
    bad_rows: int = 0  # rows that could not be parsed or screened (outcome "review")
    bad_examples: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    snapshots: list[str] = field(default_factory=list)
    partitions: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out), "rows": self.rows, "flagged": self.flagged,
            "outcomes": self.outcomes, "bad_rows": self.bad_rows,
            "bad_examples": [{"row": r, "error": e} for r, e in self.bad_examples],
            "problems": self.problems, "snapshots": self.snapshots,
            "partitions": self.partitions, "seconds": round(self.seconds, 3),
        }


# --------------------------------------------------------------------------- output schema


def output_schema():
    """Spark schema of a result row (Parquet output)."""
    from pyspark.sql.types import (
        ArrayType,
        DoubleType,
        LongType,
        StringType,
        StructField,
        StructType,
    )

    hit = StructType([
        StructField("entity_id", StringType(), False),
        StructField("source", StringType(), False),
        StructField("sublist", StringType(), True),
        StructField("schema", StringType(), False),
        StructField("name", StringType(), False),
        StructField("matched_name", StringType(), False),
        StructField("score", DoubleType(), False),
        StructField("explanation", StringType(), False),
    ])
    return StructType([
        StructField("row", LongType(), False),
        StructField("id", StringType(), False),
        StructField("name", StringType(), True),
        StructField("outcome", StringType(), False),
        StructField("hits", ArrayType(hit, False), False),
        StructField("cleared", ArrayType(StringType(), False), False),
        StructField("snapshots", ArrayType(StringType(), False), False),
        StructField("problems", ArrayType(StringType(), False), False),
        StructField("error", StringType(), True),
    ])


_HIT_FIELDS = ("entity_id", "source", "sublist", "schema", "name", "matched_name", "score",
               "explanation")
_ROW_FIELDS = ("row", "id", "name", "outcome", "hits", "cleared", "snapshots", "problems",
               "error")


def as_tuple(rec: dict[str, Any]) -> tuple:
    """A result dict in the column order of `output_schema()`."""
    hits = [tuple(h.get(k) for k in _HIT_FIELDS) for h in rec["hits"]]
    return tuple(hits if k == "hits" else rec.get(k) for k in _ROW_FIELDS)


def as_line(rec: dict[str, Any]) -> tuple:
    """(row, outcome, error, JSON line): JSON Lines output, the JSON made once, in Python."""
    return rec["row"], rec["outcome"], rec["error"], json.dumps(rec, ensure_ascii=False)


def line_schema():
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    return StructType([StructField("row", LongType(), False),
                       StructField("outcome", StringType(), False),
                       StructField("error", StringType(), True),
                       StructField("line", StringType(), False)])


# --------------------------------------------------------------------------- executors


@functools.cache
def code_fingerprint() -> str:
    """Digest of the code that decides a screen (matching, party scoring, row parsing).

    Driver and executors must run the same code, or the batch would silently disagree with
    `sekisho screen`; a worker whose fingerprint differs answers "review" on every row.
    """
    import sekisho

    root = Path(sekisho.__file__).parent
    files = sorted([*(root / "match").glob("*.py"), root / "screen" / "party.py",
                    root / "model.py", root / "countries.py", root / "cli" / "screen.py"])
    h = hashlib.sha256()
    try:
        for f in files:
            h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    except OSError:
        return "unreadable"
    return h.hexdigest()


code_fingerprint()  # now, at import: the code this process runs, not files edited since


def _screener(key: str, payload, fingerprint: str | None = None) -> Screener:
    """This process's screener for `key`, unpickled from the broadcast at most once."""
    if fingerprint is not None and fingerprint != code_fingerprint():
        raise SekishoError("this executor runs different sekisho matching code than the driver "
                           "(install the same version everywhere)")
    screener = _SCREENERS.get(key)
    if screener is None:
        blob: bytes = payload.value
        if hashlib.sha256(blob).hexdigest() != key:
            raise SekishoError("screener payload corrupted in transit (digest mismatch)")
        screener = pickle.loads(blob)
        _SCREENERS.clear()  # one job at a time per worker: do not hoard old list versions
        _SCREENERS[key] = screener
    return screener


def _review_row(row: int, row_id: str, name: str | None, error: str,
                snapshots: list[str], problems: list[str]) -> dict[str, Any]:
    """The output of a row that could not be parsed or screened (same keys as a result)."""
    return {
        "id": row_id, "name": name, "outcome": "review", "hits": [], "cleared": [],
        "snapshots": list(snapshots), "problems": [*problems, f"row {row}: {error}"],
        "row": row, "error": error,
    }


def _parse_text(fmt: str, header: list[str], raw: bytes | str, row: int,
                file: str) -> dict[str, Any] | None:
    """One input line → a record dict (None for a blank line); InputError names the row."""
    try:
        line = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 ({exc.reason} at byte {exc.start})",
                         file=file, line=row) from None
    if "\ufffd" in line:
        # Hadoop's reader turns bytes that are not UTF-8 into U+FFFD before we see them; a
        # name with U+FFFD was damaged somewhere, and a damaged name is not screened as clear
        raise InputError("not valid UTF-8, or text already damaged (U+FFFD): fix the "
                         "file's encoding", file=file, line=row)
    if not line.strip():
        return None
    if fmt == "jsonl":
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputError(f"not JSON: {exc}", file=file, line=row) from None
        if not isinstance(obj, dict):
            raise InputError("each line must be a JSON object", file=file, line=row)
        return obj
    if line.count('"') % 2:  # on one line, quotes pair up: this record spans lines
        raise InputError("a quoted value spans lines (or a quote is not closed): use JSON "
                         "Lines or Parquet for multi-line values", file=file, line=row)
    try:
        values = next(csv.reader([line], strict=True))
    except (csv.Error, StopIteration) as exc:
        raise InputError(f"unreadable CSV record ({exc}); a quoted value may span lines: "
                         "use JSON Lines or Parquet for multi-line values",
                         file=file, line=row) from None
    if len(values) > len(header):
        raise InputError(f"{len(values)} fields but the header has {len(header)}",
                         file=file, line=row)
    return dict(zip(header, values, strict=False))  # missing trailing fields stay None


def screen_partition(rows: Iterable[tuple[int, Any]], *, key: str, payload, fmt: str,
                     header: list[str], file: str, limit: int, threshold: float | None,
                     fingerprint: str | None = None) -> Iterator[dict[str, Any]]:
    """Screen one partition of (row number, line or record) pairs; one dict out per row."""
    snapshots: list[str] = []
    problems: list[str] = []
    try:
        screener = _screener(key, payload, fingerprint)
        snapshots, problems = list(screener.snapshots), list(screener.problems)
    except Exception as exc:  # noqa: BLE001 - no screener: every row is a review row
        msg = f"screener unavailable on this executor: {exc}"
        for row, _ in rows:
            yield _review_row(row, str(row), None, msg, [], [msg])
        return
    for row, data in rows:
        rec: dict[str, Any] | None = None
        try:
            rec = data if isinstance(data, dict) else _parse_text(fmt, header, data, row, file)
            if rec is None:
                continue  # blank line: not a record
            party = make_party(rec, file=file, line=row)
            result = screener.screen(party, threshold=threshold, limit=limit)
            out = result_json(result, _row_id(rec, row))
            out["row"] = row
            out["error"] = None
            yield out
        except Exception as exc:  # noqa: BLE001 - a bad row is reported, never dropped
            error = str(exc) if isinstance(exc, SekishoError) else \
                f"screening failed: {type(exc).__name__}: {exc}"
            name = str(rec.get("name") or "") or None if isinstance(rec, dict) else None
            row_id = _row_id(rec, row) if isinstance(rec, dict) else str(row)
            yield _review_row(row, row_id, name, error, snapshots, problems)


def _row_id(rec: dict[str, Any], row: int) -> str:
    value = rec.get("id")
    return str(row) if value is None or str(value).strip() == "" else str(value)


# --------------------------------------------------------------------------- driver


def input_format(path: Path) -> str:
    """"csv", "jsonl" or "parquet" from the file name (a folder is a Parquet dataset)."""
    if path.is_dir() or path.suffix.lower() in (".parquet", ".pq"):
        return "parquet"
    fmt = TEXT_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise InputError("input must be .csv, .jsonl/.ndjson or .parquet", file=path)
    return fmt


def _check_columns(columns: list[str], path: Path) -> list[str]:
    header = [c.strip().lower() for c in columns]
    if "name" not in header:
        raise InputError(f"a 'name' column is required (columns: {', '.join(COLUMNS)})",
                         file=path, line=1)
    unknown = [h for h in header if h not in ALLOWED_COLUMNS]
    if unknown:
        raise InputError(f"unknown columns {unknown}; allowed: {', '.join(ALLOWED_COLUMNS)}",
                         file=path, line=1)
    if len(set(header)) != len(header):
        raise InputError(f"duplicate columns in {columns}", file=path, line=1)
    return header


def _csv_header(path: Path) -> list[str]:
    with path.open("rb") as fh:
        raw = fh.readline()  # only the header: later lines are the executors' business
    try:
        first = next(csv.reader([raw.decode("utf-8-sig").rstrip("\r\n")], strict=True), None)
    except (csv.Error, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable header: {exc}", file=path, line=1) from None
    if not first:
        raise InputError("empty file: a header line is required", file=path, line=1)
    return _check_columns(first, path)


def read_rows(spark: SparkSession, path: Path) -> tuple[RDD, str, list[str]]:
    """(RDD of (row number, raw line or record dict), format, header) for an input file."""
    if not path.exists():
        raise InputError("file not found", file=path)
    fmt = input_format(path)
    if fmt == "parquet":
        df = spark.read.parquet(str(path))
        header = _check_columns(list(df.columns), path)
        renamed = df.toDF(*header)
        rdd = renamed.rdd.zipWithIndex().map(lambda p: (p[1] + 1, _record(p[0].asDict())))
        return rdd, fmt, header
    header = _csv_header(path) if fmt == "csv" else []
    skip = 1 if fmt == "csv" else 0  # the header line is not a record
    lines = spark.sparkContext.textFile(str(path)).zipWithIndex()
    rdd = lines.filter(lambda p: p[1] >= skip).map(lambda p: (p[1] + 1, p[0]))
    return rdd, fmt, header


def _record(values: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as the record make_party expects (lists for repeated identifiers)."""
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, (list, tuple)):
            out[k] = [str(x) for x in v if x is not None]
        else:
            out[k] = None if v is None else str(v)
    return out


def _range_partition(n: int, total: int):
    def part(row: int) -> int:
        return min(n - 1, max(0, (row - 1) * n // max(total, 1)))
    return part


def ship(spark: SparkSession, screener: Screener) -> tuple[str, Any]:
    """Broadcast the pickled screener once; (digest, broadcast)."""
    blob = pickle.dumps(screener, protocol=pickle.HIGHEST_PROTOCOL)
    return hashlib.sha256(blob).hexdigest(), spark.sparkContext.broadcast(blob)


def run_screen(spark: SparkSession, in_path: Path | str, out_path: Path | str, *,
               screener: Screener | None = None, sources: Iterable[str] | None = None,
               threshold: float | None = None, limit: int = 10,
               partitions: int | None = None) -> JobReport:
    """Screen every party in `in_path` and write the results to `out_path` (see module doc).

    `screener` defaults to `Screener(Store.open(), sources=..., threshold=...)`, the same
    object the single-party path builds.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from sekisho.scale.session import parallelism

    t0 = time.perf_counter()
    in_path, out_path = Path(in_path), Path(out_path)
    out_fmt = output_format(out_path)
    rdd, fmt, header = read_rows(spark, in_path)
    if screener is None:
        from sekisho.lists.store import Store

        screener = Screener(Store.open(), sources=sources, threshold=threshold)
    key, payload = ship(spark, screener)
    total = rdd.count()
    n = partitions or max(2 * parallelism(spark), -(-total // ROWS_PER_PARTITION))
    n = max(1, min(n, total or 1))
    func = _partition_func(key, payload, fmt, header, str(in_path), limit, threshold)
    encode, schema = (as_tuple, output_schema()) if out_fmt == "parquet" else \
        (as_line, line_schema())
    rows = (rdd.repartitionAndSortWithinPartitions(n, _range_partition(n, total))
            .mapPartitions(func).map(encode))
    # Python screens and encodes each row once; the JVM keeps the result (spilling to disk if
    # need be) for writing and counting: recomputing it would screen everything twice
    results = spark.createDataFrame(rows, schema, verifySchema=False) \
        .persist(StorageLevel.MEMORY_AND_DISK)
    report = JobReport(out=out_path, partitions=n, problems=list(screener.problems),
                       snapshots=list(screener.snapshots))
    try:
        _write(results, out_path, out_fmt)
        bad = F.col("error").isNotNull()
        for r in results.groupBy("outcome", bad.alias("bad")).count().collect():
            report.outcomes[r["outcome"]] = report.outcomes.get(r["outcome"], 0) + r["count"]
            report.rows += r["count"]
            report.bad_rows += r["count"] if r["bad"] else 0
        report.flagged = report.rows - report.outcomes.get("clear", 0)
        if report.bad_rows:
            report.bad_examples = [(r["row"], r["error"]) for r in results.where(bad)
                                   .select("row", "error").orderBy("row")
                                   .limit(MAX_REPORTED).collect()]
    finally:
        results.unpersist()
        payload.destroy()
    report.seconds = time.perf_counter() - t0
    return report


def _partition_func(key: str, payload, fmt: str, header: list[str], file: str, limit: int,
                    threshold: float | None):
    fingerprint = code_fingerprint()

    def func(rows):
        return screen_partition(rows, key=key, payload=payload, fmt=fmt, header=header,
                                file=file, limit=limit, threshold=threshold,
                                fingerprint=fingerprint)
    return func


def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    raise InputError("output must end in .jsonl/.ndjson (one file) or .parquet (a dataset "
                     "folder)", file=path, field="--out")


def _write(results: DataFrame, out: Path, fmt: str) -> None:
    """Write to a hidden sibling, then rename into place (nothing half-written survives)."""
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    work = out.with_name(f".{out.name}.tmp{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    try:
        if fmt == "parquet":
            results.write.parquet(str(work))
            _replace(work, out)
        else:
            parts = work / "parts"
            results.select("line").write.text(str(parts))
            joined = work / "joined.jsonl"
            with joined.open("wb") as dst:
                for part in sorted(parts.glob("part-*")):
                    with part.open("rb") as src:
                        shutil.copyfileobj(src, dst, 1 << 20)
            _replace(joined, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replace(src: Path, dst: Path) -> None:
    """Rename `src` over `dst` (a file or a folder); the old one goes only after."""
    if dst.is_dir() and not dst.is_symlink():
        old = dst.with_name(f".{dst.name}.old{os.getpid()}")
        os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)
