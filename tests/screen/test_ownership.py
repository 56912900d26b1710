"""The 50 % rule: aggregation, transitivity, cycles, file formats and their errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sekisho.errors import InputError
from sekisho.screen.ownership import Ownership, Stake, name_key


def graph(*stakes):
    return Ownership([Stake(*s) for s in stakes])


def listed(*names):
    keys = {name_key(n) for n in names}
    return lambda n: name_key(n) in keys


def test_name_key_ignores_case_punctuation_legal_forms():
    assert name_key("ACME Holdings Co., Ltd.") == name_key("acme limited") == "acme"


def test_direct_and_aggregate():
    g = graph(("A", "X", 50), ("A", "Y", 49.9), ("A", "Z", 25), ("B", "Z", 25))
    d = g.derived(listed("A", "B"))
    assert set(d) == {"x", "z"}
    assert d["z"].share == 50 and set(d["z"].roots) == {"A", "B"}


def test_unlisted_owners_do_not_count():
    g = graph(("A", "X", 30), ("C", "X", 70))
    assert g.derived(listed("A")) == {}


def test_transitive_chain_and_cycle():
    g = graph(("A", "M", 60), ("M", "N", 50), ("N", "O", 100), ("O", "M", 10))
    d = g.derived(listed("A"))
    assert set(d) == {"m", "n", "o"}
    assert d["o"].roots == ("A",)


def test_ancestors():
    g = graph(("A", "M", 60), ("M", "N", 50), ("Q", "N", 10))
    assert set(g.ancestors(["N"])) == {"M", "Q", "A"}


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=6))
def test_threshold_property(shares):
    stakes = [(f"Owner{i}", "Target", s) for i, s in enumerate(shares)]
    d = graph(*stakes).derived(lambda n: n.startswith("Owner"))
    assert ("target" in d) == (sum(shares) >= 50)


def test_csv_and_yaml_files(tmp_path):
    (tmp_path / "o.csv").write_text("owner,owned,share\nA,X,60\nB,X,10%\n")
    assert len(Ownership.load(tmp_path / "o.csv").owners("X")) == 2
    (tmp_path / "o.yaml").write_text("ownership:\n  - {owner: A, owned: X, share: 60}\n")
    assert Ownership.load(tmp_path / "o.yaml").owners("x")[0].share == 60


@pytest.mark.parametrize("text,line,field", [
    ("owner,owned,share\nA,X,abc\n", 2, "share"),
    ("owner,owned,share\nA,X,60\nA,,10\n", 3, "owned"),
    ("owner,owned,share\nA,X,160\n", 2, "share"),
    ("owner,owned\nA,X\n", 1, "share"),
])
def test_bad_csv_names_line_and_field(tmp_path, text, line, field):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(InputError) as e:
        Ownership.load(p)
    assert e.value.line == line and e.value.field == field


def test_bad_yaml(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text("ownership:\n  - {owner: A, share: 10}\n")
    with pytest.raises(InputError) as e:
        Ownership.load(p)
    assert e.value.field == "ownership[0].owned"
