"""Self-contained HTML report for a customs analyst: one file, plots embedded as base64 PNG.

Sections: summary, score distribution, precision/recall at inspection rates, top declarations
with reasons, trader clusters (graph drawings), trade-flow surges (one chart per flagged
destination). Matplotlib runs with the Agg backend so no display is needed.
"""

from __future__ import annotations

import base64
import html
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sekisho.customs.evaluate import RATES

if TYPE_CHECKING:
    import pandas as pd

    from sekisho.customs.flows import FlowAnalysis
    from sekisho.customs.graph import Resolution

# The dataset paper's Table 3 (synthetic data): precision at 5 % and 10 %.
PAPER = {"LightGBM": (0.762, 0.641), "XGBoost": (0.675, 0.579), "CatBoost": (0.621, 0.520)}
BLUE, RED, GREY = "#2563eb", "#dc2626", "#6b7280"

CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;color:#1f2937;
margin:0;background:#f8fafc;line-height:1.45}
main{max-width:1120px;margin:0 auto;padding:24px 32px 64px}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 8px;padding-bottom:4px;
border-bottom:2px solid #e5e7eb}h3{font-size:16px;margin:20px 0 6px}
.sub{color:#6b7280;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:12px 0}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:20px}.card span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:8px 0}
th,td{border:1px solid #e5e7eb;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f1f5f9;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
tr:nth-child(even) td{background:#fafafa}
img{max-width:100%;background:#fff;border:1px solid #e5e7eb;border-radius:6px}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.flag{color:#b91c1c;font-weight:600}.ok{color:#047857}.note{color:#6b7280;font-size:13px}
.reason{font-size:12px;color:#374151}
"""


@dataclass
class ReportData:
    title: str = "Sekisho customs risk report"
    meta: dict[str, Any] = field(default_factory=dict)
    scored: pd.DataFrame | None = None  # rank, declaration_id, score, reasons (+ label, hs, ...)
    metrics: dict[str, float] | None = None
    curve: dict[str, list[float]] | None = None
    resolution: Resolution | None = None
    cluster_note: str = ""
    flows: FlowAnalysis | None = None
    top: int = 25


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="chart" src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}">'


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 10, "axes.spines.top": False, "axes.spines.right": False})
    return plt


def _esc(v: Any) -> str:
    return html.escape(str(v))


def _score_hist(scored: pd.DataFrame) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    bins = np.linspace(scored["score"].min(), scored["score"].max() + 1e-9, 41)
    if "label" in scored and scored["label"].notna().all():
        ax.hist(scored.loc[scored["label"] == 0, "score"], bins=bins, color=GREY, alpha=0.7, label="not fraud")
        ax.hist(scored.loc[scored["label"] == 1, "score"], bins=bins, color=RED, alpha=0.7, label="fraud")
        ax.legend(frameon=False)
    else:
        ax.hist(scored["score"], bins=bins, color=BLUE)
    for rate in (0.05, 0.10):
        cut = np.quantile(scored["score"], 1 - rate)
        ax.axvline(cut, color="#111827", lw=1, ls="--")
        ax.text(cut, ax.get_ylim()[1] * 0.92, f" top {rate:.0%}", fontsize=8)
    ax.set_xlabel("risk score")
    ax.set_ylabel("declarations")
    return _png(fig)


def _pr_curve(curve: dict[str, list[float]]) -> str:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    rates = np.array(curve["rate"]) * 100
    ax.plot(rates, curve["precision"], color=BLUE, label="precision")
    ax.plot(rates, curve["recall"], color=RED, label="recall")
    for r in RATES:
        ax.axvline(r * 100, color="#e5e7eb", lw=1, zorder=0)
    ax.set_xscale("log")
    ax.set_xticks([1, 2, 5, 10, 20, 50, 100], ["1", "2", "5", "10", "20", "50", "100"])
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("inspection rate (% of declarations, top by score)")
    ax.legend(frameon=False, loc="center right")
    return _png(fig)


def _metrics_table(m: dict[str, float], paper: bool) -> str:
    head = ("<tr><th>inspection rate</th><th>precision</th><th>recall</th><th>revenue share</th>"
            "<th>critical-fraud recall</th>")
    head += "<th>paper precision<br>LightGBM / XGBoost / CatBoost</th>" if paper else ""
    rows = [head + "</tr>"]
    for r in RATES:
        tag = f"{round(r * 100):g}"

        def cell(key: str, tag: str = tag) -> str:
            v = m.get(f"{key}_at_{tag}")
            return f'<td class="num">{v:.3f}</td>' if v is not None and v == v else "<td>–</td>"

        row = f"<tr><td>{tag} %</td>{cell('precision')}{cell('recall')}{cell('revenue')}{cell('critical_recall')}"
        if paper:
            i = {"5": 0, "10": 1}.get(tag)
            row += (f'<td class="num">{" / ".join(f"{v[i]:.3f}" for v in PAPER.values())}</td>'
                    if i is not None else "<td>–</td>")
        rows.append(row + "</tr>")
    auc = m.get("auc", float("nan"))
    return (f"<table>{''.join(rows)}</table><p>AUC {auc:.3f} · {m.get('n', 0):,} declarations, "
            f"fraud rate {m.get('fraud_rate', 0):.1%}</p>")


def _top_table(scored: pd.DataFrame, top: int) -> str:
    cols = [c for c in ("rank", "declaration_id", "date", "hs", "origin", "departure", "value", "score", "label") if c in scored]
    head = "".join(f"<th>{_esc(c)}</th>" for c in cols) + "<th>why (top feature contributions)</th>"
    body = []
    for row in scored.head(top).itertuples(index=False):
        d = row._asdict()
        cells = []
        for c in cols:
            v = d[c]
            if c == "score":
                cells.append(f'<td class="num">{v:.3f}</td>')
            elif c == "value":
                cells.append(f'<td class="num">{v:,.0f}</td>')
            elif c == "label":
                cells.append(f'<td class="{"flag" if v == 1 else "ok"}">{"fraud" if v == 1 else "clean" if v == 0 else "?"}</td>')
            else:
                cells.append(f"<td>{_esc(v)}</td>")
        reasons = "<br>".join(_esc(r) for r in str(d.get("reasons", "")).split("; "))
        body.append(f"<tr>{''.join(cells)}<td class='reason'>{reasons}</td></tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


EVIDENCE_COLOURS = {"name": "#7c3aed", "bank": "#ea580c", "phone": "#16a34a", "email": "#2563eb",
                    "address": "#dc2626", "officer": "#92400e", "email_domain": "#0d9488"}


def _cluster_plot(res: Resolution, cluster) -> str:
    import networkx as nx
    from matplotlib.lines import Line2D

    plt = _plt()
    sub = res.graph.subgraph(cluster.members)
    fig, ax = plt.subplots(figsize=(5.2, 3.8))
    pos = nx.spring_layout(sub, seed=7, k=1.2)
    order = list(EVIDENCE_COLOURS)
    used = set()
    for a, b, d in sub.edges(data=True):
        kind = min(d["evidence"], key=order.index)  # strongest tie decides the colour
        used.add(kind)
        nx.draw_networkx_edges(sub, pos, [(a, b)], ax=ax, edge_color=EVIDENCE_COLOURS[kind],
                               width=1.0 + len(d["evidence"]) * 0.6, alpha=0.8)
    nx.draw_networkx_nodes(sub, pos, ax=ax, node_color=RED if cluster.score >= 0.5 else BLUE,
                           node_size=160, alpha=0.9)
    labels = {n: (sub.nodes[n].get("name") or n)[:26] for n in sub.nodes}
    for n, (x, y) in pos.items():
        ax.text(x, y + 0.09, labels[n], fontsize=6.5, ha="center", va="bottom", color="#111827")
    handles = [Line2D([0], [0], color=EVIDENCE_COLOURS[k], lw=2, label=k.replace("_", " "))
               for k in order if k in used]
    ax.legend(handles=handles, fontsize=6.5, frameon=False, loc="lower left",
              bbox_to_anchor=(0, -0.12), ncol=4)
    ax.set_title(f"cluster {cluster.id}: {len(cluster.members)} traders, score {cluster.score:.2f}",
                 fontsize=9)
    ax.margins(0.18)
    ax.axis("off")
    return _png(fig)


def _flow_plot(flows: FlowAnalysis, surge) -> str:
    plt = _plt()
    years = list(flows.series.columns)
    vals = flows.series.loc[surge.destination].to_numpy() / 1e9
    share = (flows.series.loc[surge.destination] / flows.totals).to_numpy() * 100
    fig, ax = plt.subplots(figsize=(5.2, 3.0))
    colors = [RED if y in surge.years else BLUE for y in years]
    if flows.partial_last:
        colors[-1] = "#fca5a5" if years[-1] in surge.years else "#93c5fd"
    ax.bar([str(y) for y in years], vals, color=colors)
    ax.set_ylabel("exports, USD bn")
    ax.tick_params(axis="x", rotation=60, labelsize=8)
    ax2 = ax.twinx()
    ax2.plot([str(y) for y in years], share, color="#111827", marker="o", ms=3, lw=1.2)
    ax2.set_ylabel("share of exporter total, %")
    ax2.spines["top"].set_visible(False)
    ax.set_title(f"{surge.name} ({surge.destination}){' — hub' if surge.hub else ''}", fontsize=10)
    return _png(fig)


def render(data: ReportData) -> str:
    """The whole report as one HTML string."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    parts = [f"<h1>{_esc(data.title)}</h1><p class='sub'>generated {now}</p>"]
    cards = "".join(f"<div class='card'><b>{_esc(v)}</b><span>{_esc(k)}</span></div>" for k, v in data.meta.items())
    parts.append(f"<section id='summary'><div class='cards'>{cards}</div></section>")

    parts.append("<section id='scores'><h2>Score distribution</h2>")
    if data.scored is not None and len(data.scored):
        parts.append(_score_hist(data.scored))
    else:
        parts.append("<p class='note'>No declarations were scored.</p>")
    parts.append("</section><section id='precision'><h2>Precision and recall at k</h2>")
    if data.metrics:
        paper = data.meta.get("mapping") == "kr-customs"
        parts.append("<div class='grid'><div>" + _metrics_table(data.metrics, paper) + "</div><div>")
        parts.append(_pr_curve(data.curve) if data.curve else "")
        parts.append("</div></div>")
        if paper:
            parts.append("<p class='note'>Paper figures: Jeong et al., Customs Import Declaration Datasets "
                         "(arXiv:2208.02484), Table 3, same temporal test split (2021-04 … 2021-06).</p>")
    else:
        parts.append("<p class='note'>The data carries no labels, so precision and recall cannot be measured; the ranking below is by anomaly score.</p>")
    parts.append("</section><section id='top'><h2>Top declarations with reasons</h2>")
    if data.scored is not None and len(data.scored):
        parts.append("<p class='note'>Reasons: the three features that raise the score most (SHAP contribution in log-odds for LightGBM, robust distance for the isolation forest).</p>")
        parts.append(_top_table(data.scored, data.top))
    parts.append("</section><section id='clusters'><h2>Trader clusters</h2>")
    res = data.resolution
    if res is not None and res.clusters:
        parts.append(f"<p class='note'>{len(res.records):,} trader records, {len(res.clusters)} clusters of linked records; names compared with {_esc(res.matcher)}.</p>")
        rows = "".join(
            f"<tr><td>{c.id}</td><td class='num'>{c.score:.2f}</td><td>{len(c.members)}</td>"
            f"<td class='reason'>{'<br>'.join(_esc(r) for r in c.reasons)}</td></tr>"
            for c in res.clusters[:10]
        )
        low = sum(c.score < 0.5 for c in res.clusters)
        parts.append(f"<table><tr><th>cluster</th><th>score</th><th>traders</th><th>reasons</th></tr>{rows}</table>"
                     f"<p class='note'>Showing the 10 highest-scoring clusters; {low} linked cluster(s) score below 0.5.</p>")
        parts.append("<p class='note'>Graphs: one node per trader record (red: cluster score ≥ 0.5); an edge is a link, "
                     "coloured by its strongest evidence and thicker with more evidence.</p>")
        plots = [_cluster_plot(res, c) for c in res.clusters[:6]]
        parts.append("<div class='grid'>" + "".join(f"<div>{p}</div>" for p in plots) + "</div>")
    else:
        parts.append(f"<p class='note'>{_esc(data.cluster_note or 'No trader clusters (the data carries no party names or no records are linked).')}</p>")
    parts.append("</section><section id='flows'><h2>Trade-flow surges</h2>")
    fl = data.flows
    if fl is not None:
        partial = " The last year is partial; shares stay comparable." if fl.partial_last else ""
        parts.append(f"<p class='note'>{len(fl.series)} destinations, {fl.series.columns[0]}–{fl.series.columns[-1]}.{partial} Flagged: hubs whose share of the exporter's trade grew well beyond its recent average. "
                     "Charts: bars are exports (red: surge year; pale: partial year), the line is the destination's share of the exporter's total.</p>")
        rows = "".join(
            f"<tr><td class='{'flag' if s.flagged else ''}'>{'FLAG' if s.flagged else 'note'}</td><td>{_esc(s.name)}</td>"
            f"<td>{', '.join(map(str, s.years))}</td><td class='reason'>{_esc(s.reason)}</td></tr>"
            for s in fl.surges
        )
        parts.append(f"<table><tr><th></th><th>destination</th><th>surge years</th><th>why</th></tr>{rows}</table>")
        plots = [_flow_plot(fl, s) for s in fl.flagged]
        if plots:
            parts.append("<div class='grid'>" + "".join(f"<div>{p}</div>" for p in plots) + "</div>")
        else:
            parts.append("<p class='note'>No hub destination surged.</p>")
    else:
        parts.append("<p class='note'>No trade-flow file was given.</p>")
    parts.append("</section>")
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{_esc(data.title)}</title><style>{CSS}</style></head><body><main>"
        + "".join(parts)
        + "</main></body></html>"
    )


def write(path: str | Path, data: ReportData) -> Path:
    """Render and write atomically (a crash leaves no half-written report)."""
    path = Path(path)
    text = render(data)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path
