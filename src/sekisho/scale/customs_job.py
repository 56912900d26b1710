"""Score customs declarations on Spark with a model from `sekisho customs train`.

Where the work happens, and why:
* Features are computed once, in the driver, by the model's own `FeatureBuilder.transform`
  over the whole scored file. Its history features (trader age, prior declarations and past
  fraud rates for importer, declarant, seller and their pairs, the (HS6, origin) unit-value
  reference of earlier months with its fallbacks) look at every strictly earlier row across
  a dozen different groupings at once, so no single Spark partitioning (by trader, by date)
  can compute them exactly; a re-implementation with Spark windows would be a second copy of
  the feature code that could drift from what the model was trained on. Using the one
  implementation keeps the time rule (a declaration dated d sees only rows dated before d,
  labels only from the model's labelled history, never from the scored file) and makes the
  job's scores equal to `RiskModel.score` bit for bit. This pass is vectorised numpy (a few
  seconds per million rows).
* The costly part, the model itself (LightGBM trees, SHAP contributions for the reasons, or
  the isolation forest), runs on the executors with `mapInPandas`, one Arrow batch at a time.
  The feature table reaches them as Parquet in a work folder; the model file (a zip without
  pickle) is shipped with `SparkContext.addFile` and loaded once per Python worker, cached
  by the file's digest.
* The driver collects (position, score[, reasons]), ranks exactly as `RiskModel.score` does
  (stable, ties in file order) and writes the ranked CSV or Parquet file by one rename.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sekisho.errors import InputError

if TYPE_CHECKING:
    import pandas as pd
    from pyspark.sql import SparkSession

    from sekisho.customs.model import RiskModel

ROWS_PER_PARTITION = 100_000
_MODELS: dict[str, RiskModel] = {}  # per Python worker: model file digest -> loaded model


@dataclass
class CustomsReport:
    out: Path
    rows: int = 0
    bad_rows: int = 0
    issues: str = ""  # the loader's summary of refused rows (file, line, column, reason)
    partitions: int = 0
    seconds_features: float = 0.0
    seconds_scoring: float = 0.0
    seconds: float = 0.0
    model: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out), "rows": self.rows, "bad_rows": self.bad_rows,
            "partitions": self.partitions, "seconds_features": round(self.seconds_features, 3),
            "seconds_scoring": round(self.seconds_scoring, 3), "seconds": round(self.seconds, 3),
            "model": self.model,
        }


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _model(name: str, digest: str) -> RiskModel:
    """The executor's copy of the shipped model, loaded at most once per worker process."""
    model = _MODELS.get(digest)
    if model is None:
        from pyspark import SparkFiles

        from sekisho.customs.model import RiskModel

        path = Path(SparkFiles.get(name))
        if _digest(path) != digest:
            raise InputError("model file changed in transit (digest mismatch)", file=path)
        model = RiskModel.load(path)
        _MODELS.clear()
        _MODELS[digest] = model
    return model


def score_batches(batches: Iterator[pd.DataFrame], *, name: str, digest: str,
                  columns: list[str], reasons: bool) -> Iterator[pd.DataFrame]:
    """mapInPandas body: (pos, f0..fN) batches → (pos, score, reasons) batches."""
    import pandas as pd

    model = _model(name, digest)
    slots = [f"f{i}" for i in range(len(columns))]
    for batch in batches:
        X = batch[slots].set_axis(columns, axis=1)
        out = pd.DataFrame({"pos": batch["pos"].to_numpy(),
                            "score": model.score_matrix(X)})
        out["reasons"] = model.reasons(X) if reasons and len(X) else ""
        yield out


def ranked(model: RiskModel, frame: pd.DataFrame, X: pd.DataFrame, scores,
           reasons: list[str] | None, reasons_top: int | None) -> pd.DataFrame:
    """The table `RiskModel.score` returns, from scores computed elsewhere (same ranking)."""
    import numpy as np
    import pandas as pd

    order = np.argsort(-scores, kind="stable")
    rank = np.empty(len(scores), dtype=np.int64)
    rank[order] = np.arange(1, len(scores) + 1)
    out = pd.DataFrame({
        "declaration_id": frame["declaration_id"].to_numpy() if "declaration_id" in frame
        else np.arange(len(frame)),
        "date": frame["date"].dt.strftime("%Y-%m-%d").to_numpy() if "date" in frame else "",
        "score": scores,
        "rank": rank,
    })
    if reasons is not None:
        out["reasons"] = np.asarray(reasons, dtype=object)
    else:
        text = np.full(len(out), "", dtype=object)
        pick = np.sort(order[:reasons_top])
        if len(pick):
            text[pick] = model.reasons(X.iloc[pick])
        out["reasons"] = text
    return out.sort_values("rank", kind="stable").reset_index(drop=True)


def run_customs_score(spark: SparkSession, data: Sequence[Path | str], out: Path | str, *,
                      mapping: str, model_path: Path | str, reasons_top: int | None = 200,
                      strict: bool = False, partitions: int | None = None) -> CustomsReport:
    """Score `data` with the model in `model_path`; write the ranked table to `out`.

    `reasons_top`: explain the N highest-ranked rows (in the driver, as `customs score`
    does); None explains every row, on the executors.
    """
    from sekisho.customs.load import load
    from sekisho.customs.model import RiskModel
    from sekisho.scale.session import parallelism

    t0 = time.perf_counter()
    out, model_path = Path(out), Path(model_path)
    fmt = output_format(out)
    model = RiskModel.load(model_path)  # a bad model file fails before any work
    frame, load_report = load([Path(p) for p in data], mapping, strict=strict)
    report = CustomsReport(out=out, bad_rows=load_report.bad_rows,
                           issues=load_report.summary() if load_report.issues else "",
                           model={"kind": model.kind, **{k: model.meta.get(k) for k in
                                  ("trained_from", "trained_to", "history_to")}})
    if len(frame) == 0:
        raise InputError("no valid declarations loaded", file=Path(data[0]) if data else None)
    X = model.features(frame)  # time-respecting history features (see module docstring)
    report.seconds_features = time.perf_counter() - t0
    report.rows = len(frame)

    t1 = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work", dir=out.absolute().parent))
    try:
        scores, reasons = _score_on_spark(spark, model_path, X, work,
                                          all_reasons=reasons_top is None,
                                          partitions=partitions or max(
                                              parallelism(spark),
                                              -(-len(X) // ROWS_PER_PARTITION)),
                                          report=report)
        report.seconds_scoring = time.perf_counter() - t1
        table = ranked(model, frame, X, scores, reasons,
                       None if reasons_top is None else max(0, reasons_top))
        tmp = work / f"result{out.suffix}"
        if fmt == "parquet":
            table.to_parquet(tmp, index=False)
        else:
            table.to_csv(tmp, index=False)
        os.replace(tmp, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report.seconds = time.perf_counter() - t0
    return report


def _score_on_spark(spark: SparkSession, model_path: Path, X: pd.DataFrame, work: Path, *,
                    all_reasons: bool, partitions: int,
                    report: CustomsReport) -> tuple[Any, list[str] | None]:
    import numpy as np
    import pandas as pd

    columns = list(X.columns)
    digest = _digest(model_path)
    name = f"sekisho-customs-model-{digest[:32]}.zip"
    if name not in _added(spark):
        # a copy named by its digest that outlives this job: executors may fetch it later
        ship_dir = Path(tempfile.gettempdir()) / f"sekisho-spark-files-{os.getuid()}"
        ship_dir.mkdir(parents=True, exist_ok=True)
        shipped = ship_dir / name
        if not shipped.is_file():
            tmp = shipped.with_suffix(f".tmp{os.getpid()}")
            shutil.copyfile(model_path, tmp)
            os.replace(tmp, shipped)
        spark.sparkContext.addFile(str(shipped))
        _added(spark).add(name)
    table = pd.DataFrame({"pos": np.arange(len(X), dtype=np.int64)})
    table = pd.concat([table, X.set_axis([f"f{i}" for i in range(len(columns))], axis=1)
                       .reset_index(drop=True)], axis=1)
    features = work / "features.parquet"
    table.to_parquet(features, index=False, row_group_size=ROWS_PER_PARTITION // 4)
    del table
    n = max(1, min(partitions, len(X)))
    report.partitions = n

    def func(batches):
        return score_batches(batches, name=name, digest=digest, columns=columns,
                             reasons=all_reasons)

    result = (spark.read.parquet(str(features)).repartition(n)
              .mapInPandas(func, "pos long, score double, reasons string"))
    got = result.toPandas().sort_values("pos", kind="stable")
    if len(got) != len(X) or not np.array_equal(got["pos"].to_numpy(), np.arange(len(X))):
        raise InputError(f"scoring returned {len(got)} rows for {len(X)} declarations")
    scores = got["score"].to_numpy(float)
    return scores, (list(got["reasons"]) if all_reasons else None)


def _added(spark: SparkSession) -> set[str]:
    """Names already shipped with addFile in this SparkContext (Spark refuses a second add)."""
    sc = spark.sparkContext
    seen = getattr(sc, "_sekisho_files", None)
    if seen is None:
        seen = set()
        sc._sekisho_files = seen
    return seen


def output_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise InputError("output must end in .csv or .parquet", file=path, field="--out")
