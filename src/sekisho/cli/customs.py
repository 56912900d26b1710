"""`sekisho customs ...`: train, score, evaluate, clusters, flows, report, synth.

Thin layer: each command calls sekisho.customs and formats the result. Bad rows are listed on
stderr with file, line and column; with --strict any bad row is an error (exit 2).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer
from rich.console import Console

from sekisho.errors import InputError

app = typer.Typer(help="Customs analytics: rank declarations, resolve trader networks, spot surges.",
                  no_args_is_help=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

MAPPING = typer.Option("kr-customs", "--mapping", "-m", help="Column mapping: kr-customs, generic or a JSON/YAML file.")
STRICT = typer.Option(False, "--strict", help="Any bad row is an error (exit 2).")


def _load(data: list[Path], mapping: str, strict: bool):
    from sekisho.customs.load import load

    frame, report = load(data, mapping, strict=strict)
    if report.issues:
        err.print(report.summary(), markup=False)
    if len(frame) == 0:
        raise InputError("no valid declarations loaded", file=data[0] if data else None)
    return frame, report


def _model(path: Path, mapping: str):
    """Load a model and refuse data read with another mapping: its features would be empty."""
    from sekisho.customs.load import get_mapping
    from sekisho.customs.model import RiskModel

    m = RiskModel.load(path)
    trained = m.meta.get("mapping")
    if trained and trained != get_mapping(mapping).name:
        raise InputError(f"model was trained on {trained!r} data, but --mapping is {mapping!r}",
                         file=path, field="mapping")
    return m


def _split(frame, mapping: str):
    from sekisho.customs.load import get_mapping, split_by_date

    m = get_mapping(mapping)
    return split_by_date(frame, m.split) if m.split else None


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and math.isnan(v) else (float(v) if hasattr(v, "__float__") and not isinstance(v, int | str) else v)) for k, v in d.items()}


@app.command()
def train(
    data: list[Path] = typer.Argument(..., help="Declaration files (CSV or Parquet)."),
    mapping: str = MAPPING,
    model: Path = typer.Option(..., "--model", help="Where to write the model (zip)."),
    kind: str = typer.Option("auto", "--kind", help="auto, lightgbm or iforest."),
    seed: int = typer.Option(0, "--seed"),
    n_estimators: int = typer.Option(300, "--n-estimators"),
    strict: bool = STRICT,
) -> None:
    """Train on the training period (the authors' split when the mapping has one)."""
    from sekisho.customs.evaluate import evaluate
    from sekisho.customs.model import train as fit

    frame, _ = _load(data, mapping, strict)
    parts = _split(frame, mapping)
    if parts is not None and len(parts["train"]):
        train_rows, history = parts["train"], parts["valid"]
    else:
        train_rows, history = frame, None
    m = fit(train_rows, kind=kind, seed=seed, n_estimators=n_estimators)
    msg = f"trained {m.kind} on {len(train_rows):,} declarations ({m.meta['trained_from']} … {m.meta['trained_to']})"
    if history is not None and len(history) and "label" in history and history["label"].notna().all():
        scores = m.score_matrix(m.features(history))
        v = evaluate(history["label"].to_numpy(), scores)
        msg += f"; validation {len(history):,} rows: precision@5% {v['precision_at_5']:.3f}, @10% {v['precision_at_10']:.3f}, AUC {v['auc']:.3f}"
        m.builder.extend_history(history)
        m.meta["history_to"] = str(history["date"].max().date())
        m.meta["validation"] = _clean(v)
    m.save(model)
    typer.echo(msg)
    typer.echo(f"model written to {model}")


@app.command()
def score(
    data: list[Path] = typer.Argument(...),
    mapping: str = MAPPING,
    model: Path = typer.Option(..., "--model"),
    out: Path = typer.Option(..., "--out", help="Ranked CSV to write."),
    reasons_top: int = typer.Option(200, "--reasons-top", help="Explain the N highest-ranked rows (-1: all)."),
    strict: bool = STRICT,
) -> None:
    """Score declarations; write them ranked, with reasons in words for the top rows."""
    m = _model(model, mapping)
    frame, _ = _load(data, mapping, strict)
    ranked = m.score(frame, reasons_top=None if reasons_top < 0 else reasons_top)
    tmp = out.with_name(out.name + ".tmp")
    ranked.to_csv(tmp, index=False)
    tmp.replace(out)
    typer.echo(f"scored {len(ranked):,} declarations -> {out}")


def _evaluate(data, mapping, model, strict, split):
    from sekisho.customs.evaluate import curve, evaluate

    m = _model(model, mapping)
    frame, _ = _load(data, mapping, strict)
    parts = _split(frame, mapping)
    part = frame
    if split == "test" or (split == "auto" and parts is not None and len(parts["test"])):
        if parts is None:
            raise InputError(f"mapping {mapping!r} defines no test split", field="split")
        part = parts["test"]
    if len(part) == 0:
        raise InputError("no declarations in the evaluation period", file=data[0])
    trained_to = m.meta.get("trained_to")
    if trained_to and str(part["date"].min().date()) <= trained_to:
        inside = int((part["date"].dt.strftime("%Y-%m-%d") <= trained_to).sum())
        err.print(f"warning: {inside:,} of {len(part):,} declarations fall in the model's training "
                  f"period (up to {trained_to}): in-sample figures are optimistic", markup=False)
    if "label" not in part or part["label"].isna().any():
        raise InputError("evaluation needs a 0/1 label on every row", file=data[0], field="label")
    ranked = m.score(part, reasons_top=50)
    joined = part.reset_index(drop=True)
    scores = m.score_matrix(m.features(joined))
    rev = joined["revenue"] if "revenue" in joined and joined["revenue"].notna().any() else joined.get("value")
    res = evaluate(joined["label"].to_numpy(), scores, revenue=None if rev is None else rev.to_numpy(),
                   critical=joined["critical"].to_numpy() if "critical" in joined else None)
    return m, part, ranked, res, curve(joined["label"].to_numpy(), scores)


@app.command("evaluate")
def evaluate_cmd(
    data: list[Path] = typer.Argument(...),
    mapping: str = MAPPING,
    model: Path = typer.Option(..., "--model"),
    as_json: bool = typer.Option(False, "--json", help="Print metrics as JSON."),
    split: str = typer.Option("auto", "--split", help="auto (test split when the mapping has one), test or all."),
    strict: bool = STRICT,
) -> None:
    """Precision, recall, revenue share at 1/2/5/10 %, AUC and critical-fraud recall."""
    from sekisho.customs.evaluate import RATES
    from sekisho.customs.report import PAPER

    _, part, _, res, _ = _evaluate(data, mapping, model, strict, split)
    if as_json:
        typer.echo(json.dumps(_clean(res), indent=2))
        return
    typer.echo(f"{res['n']:,} declarations, {res['frauds']:,} fraud ({res['fraud_rate']:.1%}), "
               f"{part['date'].min().date()} … {part['date'].max().date()}")
    typer.echo(f"{'rate':>6} {'precision':>10} {'recall':>8} {'revenue':>8} {'critical':>9}" + ("  paper LightGBM" if mapping == "kr-customs" else ""))
    for r in RATES:
        t = f"{round(r * 100):g}"
        paper = {"5": PAPER["LightGBM"][0], "10": PAPER["LightGBM"][1]}.get(t)
        line = (f"{t + ' %':>6} {res[f'precision_at_{t}']:>10.3f} {res[f'recall_at_{t}']:>8.3f} "
                f"{res.get(f'revenue_at_{t}', float('nan')):>8.3f} {res.get(f'critical_recall_at_{t}', float('nan')):>9.3f}")
        if mapping == "kr-customs":
            line += f"  {paper:.3f}" if paper else "      –"
        typer.echo(line)
    typer.echo(f"AUC {res['auc']:.3f}")


def _listed(path: Path | None) -> list[str] | None:
    if path is None:
        return None
    if not path.is_file():
        raise InputError("file not found", file=path)
    return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]


@app.command()
def clusters(
    data: list[Path] = typer.Argument(...),
    mapping: str = typer.Option("generic", "--mapping", "-m"),
    listed: Path | None = typer.Option(None, "--listed", help="Restricted names, one per line."),
    truth: Path | None = typer.Option(None, "--truth", help="JSON record id -> planted group (synthetic data): print recovery."),
    as_json: bool = typer.Option(False, "--json"),
    top: int = typer.Option(20, "--top"),
    strict: bool = STRICT,
) -> None:
    """Resolve traders into linked clusters and score them."""
    from sekisho.customs.graph import recovery, resolve

    frame, _ = _load(data, mapping, strict)
    if "importer_name" not in frame:
        raise InputError(f"mapping {mapping!r} gives no importer_name: clusters need party names", field="importer_name")
    res = resolve(frame, listed=_listed(listed))
    rec = None
    if truth is not None:
        rec = recovery(res, json.loads(truth.read_text(encoding="utf-8")))
    if as_json:
        out = {"matcher": res.matcher, "records": len(res.records),
               "clusters": [{"id": c.id, "score": c.score, "members": c.members, "reasons": c.reasons} for c in res.clusters[:top]]}
        if rec:
            out["recovery"] = _clean(rec)
        typer.echo(json.dumps(out, indent=2))
        return
    typer.echo(f"{len(res.records):,} trader records, {len(res.clusters)} clusters (names: {res.matcher})")
    for c in res.clusters[:top]:
        typer.echo(f"[{c.score:.2f}] cluster {c.id}: {len(c.members)} traders: {', '.join(c.members[:8])}{' …' if len(c.members) > 8 else ''}")
        for r in c.reasons:
            typer.echo(f"        - {r}")
    if rec:
        typer.echo("recovery of planted groups: " + ", ".join(f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in rec.items()))


@app.command()
def flows(
    path: Path = typer.Argument(..., help="Exports by destination (Taiwan customs layout or year,destination,value)."),
    names: Path | None = typer.Option(None, "--names", help="JSON map of destination names to English."),
    as_json: bool = typer.Option(False, "--json"),
    chart_dir: Path | None = typer.Option(None, "--chart-dir", help="Write one PNG per flagged destination here."),
) -> None:
    """Destinations whose share of the exporter's trade surges; hubs are flagged."""
    from sekisho.customs.flows import analyse, load_flows

    fa = analyse(load_flows(path, names))
    if chart_dir is not None:
        import base64

        from sekisho.customs.report import _flow_plot

        chart_dir.mkdir(parents=True, exist_ok=True)
        for s in fa.flagged:
            img = _flow_plot(fa, s)
            data = img.split("base64,", 1)[1].split('"', 1)[0]
            (chart_dir / f"surge-{s.destination}.png").write_bytes(base64.b64decode(data))
    if as_json:
        typer.echo(json.dumps({"partial_last_year": fa.partial_last, "surges": [
            {"destination": s.destination, "name": s.name, "hub": s.hub, "flagged": s.flagged,
             "years": s.years, "reason": s.reason, "latest": _clean(s.latest)} for s in fa.surges]}, indent=2))
        return
    for s in fa.surges:
        typer.echo(f"{'FLAG' if s.flagged else 'note'} {s.destination:<6} {s.reason} (years {', '.join(map(str, s.years))})")
    typer.echo(f"{len(fa.flagged)} hub(s) flagged of {len(fa.series)} destinations")


@app.command()
def report(
    data: list[Path] = typer.Argument(...),
    mapping: str = MAPPING,
    model: Path = typer.Option(..., "--model"),
    out: Path = typer.Option(Path("customs-report.html"), "--out"),
    flows_path: Path | None = typer.Option(None, "--flows", help="Trade-flow CSV for the surge section."),
    clusters_data: list[Path] = typer.Option([], "--clusters-data", help="Declarations with party names (generic mapping) for the cluster section."),
    listed: Path | None = typer.Option(None, "--listed"),
    split: str = typer.Option("auto", "--split"),
    strict: bool = STRICT,
) -> None:
    """Write a self-contained HTML report with plots."""
    from sekisho.customs.flows import analyse, load_flows
    from sekisho.customs.graph import resolve
    from sekisho.customs.report import ReportData, write

    m, part, ranked, res, cur = _evaluate(data, mapping, model, strict, split)
    extra = part.set_index("declaration_id")[[c for c in ("hs", "origin", "departure", "value", "label") if c in part]]
    ranked = ranked.join(extra, on="declaration_id")
    meta = {"mapping": mapping, "model": m.kind, "declarations": f"{len(part):,}",
            "period": f"{part['date'].min().date()} … {part['date'].max().date()}",
            "trained on": f"{m.meta.get('trained_from')} … {m.meta.get('trained_to')}",
            "precision @5%": f"{res['precision_at_5']:.3f}", "AUC": f"{res['auc']:.3f}"}
    resolution, note = None, ""
    cframe = None
    if clusters_data:
        cframe, _ = _load(clusters_data, "generic", strict)
    elif "importer_name" in part:
        cframe = part
    else:
        note = f"The {mapping} declarations carry only anonymised trader IDs; pass --clusters-data with name/address data (e.g. `sekisho customs synth`)."
    if cframe is not None:
        resolution = resolve(cframe, listed=_listed(listed))
    fa = analyse(load_flows(flows_path)) if flows_path else None
    write(out, ReportData(meta=meta, scored=ranked, metrics=res, curve=cur, resolution=resolution,
                          cluster_note=note, flows=fa))
    typer.echo(f"report written to {out}")


@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="Directory for declarations.csv, truth.json, restricted.txt."),
    seed: int = typer.Option(0, "--seed"),
    legit: int = typer.Option(800, "--legit"),
    shells: int = typer.Option(25, "--shells"),
) -> None:
    """Generate synthetic declarations with planted shell networks (generic mapping)."""
    from sekisho.customs.synth import generate

    s = generate(seed, legit=legit, shells=shells)
    out.mkdir(parents=True, exist_ok=True)
    frame = s.declarations.copy()
    frame["date"] = frame["date"].dt.strftime("%Y-%m-%d")
    frame.to_csv(out / "declarations.csv", index=False)
    (out / "truth.json").write_text(json.dumps(s.truth, indent=0, sort_keys=True), encoding="utf-8")
    (out / "restricted.txt").write_text("\n".join(s.restricted) + "\n", encoding="utf-8")
    typer.echo(f"{len(frame):,} declarations, {len(s.truth):,} traders, {shells} planted networks -> {out}")
