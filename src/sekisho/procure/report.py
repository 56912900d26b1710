"""A report a procurement officer can file: verdict, findings, the product tree with the
offending parts highlighted, what could not be checked, and the regimes with their sources.

Markdown or self-contained HTML (no scripts, no external assets). A BOM with more than
`FULL_TREE_LIMIT` parts shows only the branches that lead to a finding or an unchecked part.
"""

from __future__ import annotations

import html
from pathlib import Path

from sekisho.procure.bom import Bom
from sekisho.procure.regimes import Regime
from sekisho.procure.result import CheckResult, Finding

FULL_TREE_LIMIT = 2000
_LABEL = {
    "prohibited": "PROHIBITED",
    "needs_review": "NEEDS REVIEW",
    "allowed_by_exception": "ALLOWED BY EXCEPTION",
    "no_prohibited_content": "NO PROHIBITED CONTENT FOUND",
}
_CSS = """body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}
.prohibited{background:#fdd;border-left:4px solid #c00}.needs_review{background:#ffc;border-left:4px solid #c90}
.allowed_by_exception{background:#dfd;border-left:4px solid #090}.unchecked{background:#eee;border-left:4px solid #888}
.verdict{font-size:1.4em;padding:.4em}ul.tree{list-style:none;padding-left:1.2em}ul.tree li{margin:.15em 0}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em;vertical-align:top}small{color:#555}"""


def _marks(result: CheckResult) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Worst verdict per node and the short notes to print next to it."""
    rank = {"allowed_by_exception": 0, "unchecked": 1, "needs_review": 2, "prohibited": 3}
    worst: dict[int, str] = {}
    notes: dict[int, list[str]] = {}
    for f in result.findings:
        if rank[f.verdict] >= rank.get(worst.get(f.node, ""), -1):
            worst[f.node] = f.verdict
        notes.setdefault(f.node, []).append(
            f"{_LABEL[f.verdict]}: {f.regime} ({f.vendor_name} via {f.party_role} {f.party_name!r})"
        )
    for u in result.unchecked:
        worst.setdefault(u.node, "unchecked")
        notes.setdefault(u.node, []).append(f"UNCHECKED: {u.reason}")
    return worst, notes


def _visible(bom: Bom, marked: dict[int, str]) -> set[int] | None:
    if len(bom) <= FULL_TREE_LIMIT:
        return None
    keep: set[int] = set()
    for node in marked:
        keep.update(bom.path(node))
    return keep


def _label(bom: Bom, i: int) -> str:
    p = bom.parts[i]
    extra = [
        x
        for x in (
            p.part_number,
            p.manufacturer and f"mfr {p.manufacturer}",
            p.supplier and f"supplier {p.supplier}",
        )
        if x
    ]
    return p.name + (f" [{'; '.join(extra)}]" if extra else "")


def markdown(result: CheckResult, bom: Bom, regimes: list[Regime]) -> str:
    marked, notes = _marks(result)
    keep = _visible(bom, marked)
    out = [
        "# Procurement check",
        "",
        f"**Verdict: {_LABEL[result.verdict]}**",
        "",
        f"- BOM: `{result.bom}` ({result.part_count} parts)",
        f"- Buyer category: `{result.buyer}`; date: {result.on.isoformat()}",
        f"- Regimes applied: {', '.join(result.regimes) or 'none'}",
    ]
    if len(result.items) > 1:
        out += ["", "## Items", ""]
        out += [
            f"- {i.name}: **{_LABEL[i.verdict]}** ({i.findings} findings, {i.unchecked} unchecked)"
            for i in result.items
        ]
    out += [
        "",
        "## Findings",
        "",
    ]
    if result.findings:
        out += [
            "| Verdict | Regime | Vendor | Path | Part test | Reason |",
            "|---|---|---|---|---|---|",
        ]
        for f in result.findings:
            cells = [
                _LABEL[f.verdict],
                f.regime,
                f"{f.vendor_name} ({f.relation}: {f.matched_name})",
                " → ".join(f.path),
                f"{f.part_test} ({_met(f.test_applies)})",
                _why(f),
            ]
            out.append(
                "| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
            )
    else:
        out.append("No finding.")
    out += ["", "## Product tree", ""]
    if keep is not None:
        out += [
            f"_Only the branches leading to a finding or an unchecked part are shown ({len(bom)} parts in all)._",
            "",
        ]
    for i, depth in bom.walk():
        if keep is not None and i not in keep:
            continue
        text = _label(bom, i)
        if i in marked:
            text = f"**{text}** — " + "; ".join(notes[i])
        out.append(f"{'  ' * depth}- {text}")
    out += ["", "## Not checked", ""]
    out += [f"- {' → '.join(u.path)}: {u.reason} ({u.where})" for u in result.unchecked] or [
        "Every part names a manufacturer."
    ]
    out += _md_regimes(result, regimes)
    return "\n".join(out) + "\n"


def _md_regimes(result: CheckResult, regimes: list[Regime]) -> list[str]:
    out = ["", "## Regimes", ""]
    for r in regimes:
        status = (
            "applied" if r.id in result.regimes else f"not applied: {result.skipped.get(r.id, '')}"
        )
        out.append(f"- **{r.id}** — {r.name} ({r.authority}); effective {r.effective}; {status}")
        out += [f"  - source: {s.get('title', '')} {s.get('url', '')}".rstrip() for s in r.sources]
    if result.caveats or result.notes:
        out += ["", "## Caveats and notes", ""]
        out += [f"- {c}" for c in result.caveats + result.notes]
    return out


def _detail(f: Finding) -> str:
    """Evidence behind a finding: what the BOM says, how it matched, the regime's scope."""
    bits = [
        f"{f.party_role} {f.party_name!r} ({f.match_method}: {f.match_explanation})",
        f"at {f.where}",
    ]
    if f.scope:
        bits.append(f"scope: {f.scope}")
    if f.list_source:
        bits.append(f"from list entry {f.list_source}")
    return "; ".join(bits)


def _why(f: Finding) -> str:
    return f"{f.reason}. {_detail(f)}"


def _met(v: bool | None) -> str:
    return {True: "met", False: "not met", None: "unknown"}[v]


def html_report(result: CheckResult, bom: Bom, regimes: list[Regime]) -> str:
    e = html.escape
    marked, notes = _marks(result)
    keep = _visible(bom, marked)
    cls = result.verdict if result.verdict != "no_prohibited_content" else "allowed_by_exception"
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Procurement check</title>",
        f"<style>{_CSS}</style></head><body><h1>Procurement check</h1>",
        f"<p class='verdict {cls}'>Verdict: <strong>{_LABEL[result.verdict]}</strong></p>",
        f"<p>BOM <code>{e(result.bom)}</code> ({result.part_count} parts); buyer category <code>{e(result.buyer)}</code>; "
        f"date {result.on.isoformat()}; regimes applied: {e(', '.join(result.regimes) or 'none')}</p>",
    ]
    if len(result.items) > 1:
        parts.append("<h2>Items</h2><ul>")
        parts += [
            f"<li class='{i.verdict}'>{e(i.name)}: <strong>{_LABEL[i.verdict]}</strong> "
            f"({i.findings} findings, {i.unchecked} unchecked)</li>"
            for i in result.items
        ]
        parts.append("</ul>")
    parts.append("<h2>Findings</h2>")
    if result.findings:
        parts.append(
            "<table><tr><th>Verdict</th><th>Regime</th><th>Vendor</th><th>Path</th><th>Part test</th><th>Reason</th></tr>"
        )
        for f in result.findings:
            parts.append(
                f"<tr class='{f.verdict}'><td>{_LABEL[f.verdict]}</td><td>{e(f.regime)}</td>"
                f"<td>{e(f.vendor_name)}<br><small>{e(f.relation)}: {e(f.matched_name)} ({e(f.match_method)})</small></td>"
                f"<td>{' &rarr; '.join(e(p) for p in f.path)}</td><td>{e(f.part_test)} ({_met(f.test_applies)})</td>"
                f"<td>{e(f.reason)}<br><small>{e(_detail(f))}</small></td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>No finding.</p>")
    parts.append("<h2>Product tree</h2>")
    if keep is not None:
        parts.append(
            f"<p><em>Only the branches leading to a finding or an unchecked part are shown ({len(bom)} parts in all).</em></p>"
        )
    parts.extend(_html_tree(bom, keep, marked, notes))
    parts.append("<h2>Not checked</h2><ul>")
    parts += [
        f"<li class='unchecked'>{' &rarr; '.join(e(p) for p in u.path)}: {e(u.reason)} <small>{e(u.where)}</small></li>"
        for u in result.unchecked
    ]
    parts.append("</ul>" if result.unchecked else "<li>Every part names a manufacturer.</li></ul>")
    parts.append("<h2>Regimes</h2><ul>")
    for r in regimes:
        status = (
            "applied" if r.id in result.regimes else f"not applied: {result.skipped.get(r.id, '')}"
        )
        srcs = "".join(
            f"<li>{e(s.get('title', ''))} <a href='{e(s.get('url', ''))}'>{e(s.get('url', ''))}</a></li>"
            for s in r.sources
        )
        parts.append(
            f"<li><strong>{e(r.id)}</strong> &mdash; {e(r.name)} ({e(r.authority)}); effective {e(r.effective)}; {e(status)}<ul>{srcs}</ul></li>"
        )
    parts.append("</ul>")
    if result.caveats or result.notes:
        parts.append(
            "<h2>Caveats and notes</h2><ul>"
            + "".join(f"<li>{e(c)}</li>" for c in result.caveats + result.notes)
            + "</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _html_tree(
    bom: Bom, keep: set[int] | None, marked: dict[int, str], notes: dict[int, list[str]]
) -> list[str]:
    """Nested <ul>/<li> (each sub-list inside its parent's <li>), built without recursion."""
    e = html.escape
    out = ["<ul class='tree'>"]
    stack: list[int | None] = [r for r in reversed(bom.roots) if keep is None or r in keep]
    while stack:
        i = stack.pop()
        if i is None:  # end of a node's children
            out.append("</ul></li>")
            continue
        label = e(_label(bom, i))
        if i in marked:
            small = "<br>".join(e(n) for n in notes[i])
            out.append(
                f"<li class='{marked[i]}'><strong>{label}</strong><br><small>{small}</small>"
            )
        else:
            out.append(f"<li>{label}")
        kids = [c for c in bom.children(i) if keep is None or c in keep]
        if kids:
            out.append("<ul class='tree'>")
            stack.append(None)
            stack.extend(reversed(kids))
        else:
            out.append("</li>")
    out.append("</ul>")
    return out


def write(path: Path, result: CheckResult, bom: Bom, regimes: list[Regime]) -> None:
    """Write the report; the format follows the extension (.html/.htm or .md); atomic."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        text = html_report(result, bom, regimes)
    elif suffix in (".md", ".markdown"):
        text = markdown(result, bom, regimes)
    else:
        from sekisho.errors import InputError

        raise InputError("report must end in .html or .md", file=path, field="--report")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
