"""The optional mypyc build of sekisho.match.compare (scripts/build_native.sh): used only when
built from the compare.py at hand, and then scoring exactly as the Python source does."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sekisho.match
from sekisho.match import compare

MATCH = Path(sekisho.match.__file__).parent
compiled = sys.modules["sekisho.match.compare"].__file__.endswith(tuple(EXTENSION_SUFFIXES))


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# every (query, candidate, schema) of test_compare's parametrised cases
_cases = _load("_compare_cases", Path(__file__).with_name("test_compare.py"))
CASES = [
    row
    for f in vars(_cases).values()
    for mark in getattr(f, "pytestmark", [])
    if mark.name == "parametrize"
    for row in mark.args[1]
    if isinstance(row, tuple) and len(row) == 3 and isinstance(row[0], str)
]


def _which_file(env: dict[str, str], path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import sys, sekisho.match; "
         "print(sys.modules['sekisho.match.compare'].__file__); "
         "print(sekisho.match.compare('Huawei Technologies', 'Hua Wei Tech Co').score)"],
        env={**{k: v for k, v in os.environ.items() if k != "SEKISHO_PURE_PYTHON"},
             "PYTHONPATH": str(path), **env},
        capture_output=True, text=True, check=True,
    )


def test_pure_python_on_request():
    out = _which_file({"SEKISHO_PURE_PYTHON": "1"}, MATCH.parents[1])
    assert out.stdout.splitlines()[0].endswith("compare.py")


def test_stale_extension_is_not_used(tmp_path):
    # a compiled module built from another compare.py: the source is imported, with a warning
    pkg = tmp_path / "sekisho"
    shutil.copytree(MATCH.parent, pkg, ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    (pkg / "match" / f"compare{EXTENSION_SUFFIXES[0]}").write_bytes(b"not a real extension")
    (pkg / "match" / "compare.native-stamp").write_text("0" * 64 + "\n")
    out = _which_file({}, tmp_path)
    lines = out.stdout.splitlines()
    assert lines[0] == str(pkg / "match" / "compare.py")
    assert float(lines[1]) == compare("Huawei Technologies", "Hua Wei Tech Co").score
    assert "built from another compare.py" in out.stderr


def _source_module():
    return _load("_compare_source", MATCH / "compare.py")


def _same(a, b) -> None:
    assert repr(a.score) == repr(b.score)  # the same number and type ("0" is not "0.0")
    assert sorted((k, repr(v)) for k, v in a.features.items()) == sorted(
        (k, repr(v)) for k, v in b.features.items()
    )
    assert a.explanation == b.explanation


@pytest.mark.skipif(not compiled, reason="compare is not compiled (scripts/build_native.sh)")
def test_compiled_scores_exactly_as_the_source_on_the_known_cases():
    source = _source_module()
    assert len(CASES) > 50
    for q, c, schema in CASES:
        _same(compare(q, c, schema), source.compare(q, c, schema))
        for floor in (0.0, 0.5, 0.8):
            got, want = (m.compare_at_least(q, c, schema, floor) for m in
                         (sys.modules["sekisho.match.compare"], source))
            assert (got is None) == (want is None)
            if got is not None:
                _same(got, want)


words = st.lists(
    st.sampled_from(["al", "bin", "hua", "wei", "tech", "co", "ltd", "7", "vii", "j.", "mohammed",
                     "muhamad", "bank", "trading", "华为", "技术", "Иван", "ivanov", "of", "the"]),
    min_size=1, max_size=5,
).map(" ".join)


@pytest.mark.skipif(not compiled, reason="compare is not compiled (scripts/build_native.sh)")
@settings(max_examples=300, deadline=None)
@given(words, words, st.sampled_from([None, "Person", "Company"]))
def test_compiled_scores_exactly_as_the_source(a, b, schema):
    _same(compare(a, b, schema), _SOURCE.compare(a, b, schema))


_SOURCE = _source_module() if compiled else None


@pytest.mark.integration
@pytest.mark.skipif(not compiled, reason="compare is not compiled (scripts/build_native.sh)")
def test_compiled_scores_exactly_as_the_source_on_the_benchmark_pairs(shared_data: Path):
    import csv

    path = shared_data / "eval/namepairs/nomenklatura/cases.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) > 500
    for r in rows:
        schema = r["schema"] or None
        _same(compare(r["name1"], r["name2"], schema), _SOURCE.compare(r["name1"], r["name2"], schema))
