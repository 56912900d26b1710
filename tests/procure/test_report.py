"""Reports: the tree with offending parts highlighted; big BOMs show only the relevant branches."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sekisho.errors import InputError
from sekisho.procure import check, read_bom, report

from .helpers import device, write_cdx


def test_markdown_and_html_highlight_the_path(
    catalogue, procure_fixtures: Path, tmp_path: Path
) -> None:
    bom = read_bom(procure_fixtures / "server-hisilicon.cdx.json")
    regs = catalogue.select(None)
    result = check(bom, regs, "jp-central-government", date(2024, 6, 1))
    md = report.markdown(result, bom, regs)
    assert "**Verdict: PROHIBITED**" in md
    assert "\n    - **Ethernet controller Hi1822" in md  # depth 2, highlighted
    assert "\n    - Xeon processor" in md  # unmarked parts are listed too
    assert "nisc.go.jp" in md  # sources cited
    page = report.html_report(result, bom, regs)
    assert "<li class='prohibited'><strong>Ethernet controller Hi1822" in page
    assert "<script" not in page
    out = tmp_path / "r.html"
    report.write(out, result, bom, regs)
    assert out.read_text(encoding="utf-8") == page
    with pytest.raises(InputError):
        report.write(tmp_path / "r.pdf", result, bom, regs)


def test_html_escapes_bom_text(catalogue, tmp_path: Path) -> None:
    bom = read_bom(
        write_cdx(tmp_path / "b.json", device("x", "<script>alert(1)</script>", "HiSilicon"), [])
    )
    regs = catalogue.select(None)
    page = report.html_report(
        check(bom, regs, "jp-central-government", date(2024, 6, 1)), bom, regs
    )
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_large_bom_shows_only_relevant_branches(catalogue, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(report, "FULL_TREE_LIMIT", 10)
    boards = [
        device(
            f"b{i}",
            f"board {i}",
            "Acme",
            children=[device(f"c{i}", f"chip {i}", "Texas Instruments")],
        )
        for i in range(20)
    ]
    boards[7]["components"].append(device("bad", "bad chip", "ZTE Corporation"))
    bom = read_bom(write_cdx(tmp_path / "b.json", device("sys", "system", "Acme"), boards))
    regs = catalogue.select(None)
    md = report.markdown(check(bom, regs, "jp-central-government", date(2024, 6, 1)), bom, regs)
    assert "Only the branches" in md
    assert "board 7" in md and "**bad chip" in md
    assert "board 3" not in md


def test_html_is_well_nested(catalogue, procure_fixtures: Path) -> None:
    from html.parser import HTMLParser

    class Nesting(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.errors: list[str] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag == "ul" and self.stack and self.stack[-1] == "ul":
                self.errors.append("ul directly inside ul")
            if tag not in ("br", "meta"):
                self.stack.append(tag)

        def handle_endtag(self, tag) -> None:
            if not self.stack or self.stack[-1] != tag:
                self.errors.append(f"unexpected </{tag}>")
            else:
                self.stack.pop()

    bom = read_bom(procure_fixtures / "camera-dahua.cdx.json")
    regs = catalogue.select(None)
    p = Nesting()
    p.feed(report.html_report(check(bom, regs, "us-federal-agency", date(2024, 6, 1)), bom, regs))
    assert p.errors == [] and p.stack == []
