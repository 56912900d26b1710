"""Party screening: evidence adjusts the name score; whitelist; fail closed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sekisho.model import Identifier, ListedEntity, Name, NameKind, Schema
from sekisho.screen.party import Party, Screener, Whitelist, _dates_compatible


def ent(i: str, name: str, schema=Schema.COMPANY, source="us_ofac_sdn", **kw) -> ListedEntity:
    return ListedEntity(f"{source}:{i}", source, schema, (Name(name),), **kw)


HUAWEI = ListedEntity(
    "us_trade_csl:1",
    "us_trade_csl",
    Schema.COMPANY,
    (Name("Huawei Technologies Co., Ltd."), Name("华为技术有限公司", NameKind.NATIVE, "Hani")),
    countries=("CN",),
    identifiers=(Identifier("uscc", "914403001922038216"),),
)
LAVROV = ent(
    "2",
    "Sergey Viktorovich LAVROV",
    Schema.PERSON,
    birth_dates=("1950-03-21",),
    countries=("RU",),
    identifiers=(Identifier("passport", "100000001"),),
)
VESSEL = ent("3", "SNOW STORM", Schema.VESSEL, identifiers=(Identifier("imo", "9123456"),))
ALLOW = ent("a1", "Huawei Technologies Co., Ltd.", source="allow_partners")


@pytest.fixture
def screener() -> Screener:
    return Screener.from_entities([HUAWEI, LAVROV, VESSEL, ALLOW], snapshots=["snap-1"])


def test_cross_script_hit_with_explanation(screener):
    r = screener.screen(Party("華為技術有限公司", country="CN"))
    assert [h.entity.id for h in r.hits] == ["us_trade_csl:1"]
    assert r.snapshots == ["snap-1"] and r.problems == [] and r.outcome == "hits"
    assert "country CN matches" in r.hits[0].explanation


def test_allow_list_entities_are_never_hits_but_are_mentioned(screener):
    r = screener.screen(Party("Huawei Technologies"))
    assert all(not h.entity.source.startswith("allow_") for h in r.hits)
    assert "allow list" in r.hits[0].explanation


def test_dob_and_country_adjust_person_scores(screener):
    base = screener.screen(Party("Sergei Lavrov", schema="Person")).hits[0].score
    same = screener.screen(Party("Sergei Lavrov", schema="Person", dob="1950")).hits[0].score
    assert same > base
    other = screener.screen(
        Party("Sergei Lavrov", schema="Person", dob="1972-01-01"), threshold=0.0
    )
    assert other.hits[0].score < base
    assert "date of birth" in other.hits[0].explanation
    far = screener.screen(Party("Sergei Lavrov", schema="Person", country="BR"), threshold=0.0)
    assert far.hits[0].score < base


def test_identifier_match_is_near_certain_even_with_another_name(screener):
    r = screener.screen(
        Party("Shenzhen Something Ltd", identifiers=(Identifier("uscc", "91440300-1922038216"),))
    )
    assert r.hits and r.hits[0].entity.id == HUAWEI.id and r.hits[0].score >= 0.99
    conflict = screener.screen(
        Party("Sergei Lavrov", schema="Person", identifiers=(Identifier("passport", "999999999"),)),
        threshold=0.0,
    )
    assert conflict.hits[0].features.get("identifier_conflict") == 1.0


def test_schema_mismatch_lowers(screener):
    as_person = screener.screen(Party("Snow Storm", schema="Person"), threshold=0.0)
    as_vessel = screener.screen(Party("Snow Storm", schema="Vessel"), threshold=0.0)
    assert as_person.hits[0].score < as_vessel.hits[0].score


def test_threshold_and_limit(screener):
    assert screener.screen(Party("Huawei Investment"), threshold=0.99).hits == []
    assert len(screener.screen(Party("Huawei"), threshold=0.0, limit=1).hits) == 1


def test_partial_dates_and_ranges():
    assert _dates_compatible("1961", "1961-05-02")
    assert _dates_compatible("1961-05", "1961-05-02")
    assert not _dates_compatible("1961-06", "1961-05-02")
    assert _dates_compatible("1963", "1960/1965")
    assert not _dates_compatible("1970", "1960/1965")


def test_whitelist_clears_only_while_record_unchanged(tmp_path: Path):
    wl = Whitelist(tmp_path / "whitelist.json")
    wl.clear("Huawei Technologies Ltd", HUAWEI, reason="our supplier is a different Huawei")
    assert (
        json.loads((tmp_path / "whitelist.json").read_text())["cleared"][0]["entity_id"]
        == HUAWEI.id
    )
    s = Screener.from_entities(
        [HUAWEI], snapshots=["s"], whitelist=Whitelist(tmp_path / "whitelist.json")
    )
    r = s.screen(Party("HUAWEI TECHNOLOGIES LIMITED"))  # same party, other spelling
    assert r.hits == [] and [h.entity.id for h in r.cleared] == [HUAWEI.id]
    assert r.outcome == "clear"
    changed = replace(HUAWEI, remarks="new designation 2026")
    s2 = Screener.from_entities(
        [changed], snapshots=["s2"], whitelist=Whitelist(tmp_path / "whitelist.json")
    )
    r2 = s2.screen(Party("HUAWEI TECHNOLOGIES LIMITED"))
    assert [h.entity.id for h in r2.hits] == [HUAWEI.id]
    assert "changed since" in r2.hits[0].explanation


def test_whitelist_needs_a_reason(tmp_path):
    from sekisho.errors import InputError

    with pytest.raises(InputError):
        Whitelist(tmp_path / "w.json").clear("x", HUAWEI, reason=" ")


def test_empty_name_is_input_error(screener):
    from sekisho.errors import InputError

    with pytest.raises(InputError):
        screener.screen(Party("  "))
    with pytest.raises(InputError):
        screener.screen(Party("Huawei", country="Atlantis"))


def test_no_entities_fails_closed():
    r = Screener.from_entities([], snapshots=[]).screen(Party("Anyone"))
    assert r.outcome == "review" and r.problems and r.hits == []


def _load(home: Path, csv_text: str, name: str = "blocked") -> None:
    from sekisho.lists.store import Store
    from sekisho.settings import Settings

    f = home.parent / f"{name}.csv"
    f.write_text(csv_text, encoding="utf-8")
    Store.open(Settings.load()).load([f])


def test_store_backed_screener_fails_closed_without_lists(home):
    from sekisho.lists.store import Store

    r = Screener(Store.open()).screen(Party("Huawei"))
    assert r.outcome == "review"
    assert any("no list snapshot" in p for p in r.problems)


def test_store_backed_screener_with_custom_list(home):
    from sekisho.lists.store import Store

    _load(home, "# list: blocked kind: block\nid,name,country\n1,Acme Rocket Works Ltd,RU\n")
    store = Store.open()
    s = Screener(store)
    r = s.screen(Party("ACME ROCKET WORKS LIMITED"))
    assert [h.entity.id for h in r.hits] == ["custom_blocked:1"]
    assert r.snapshots == [store.current("custom_blocked").id]
    assert list((home / "cache").glob("name-index-*.pickle"))  # index cached on disk
    # a requested source that was never loaded is a problem
    r2 = Screener(store, sources=["custom_blocked", "us_ofac_sdn"]).screen(Party("Acme"))
    assert any("us_ofac_sdn" in p for p in r2.problems) and r2.outcome == "review"


def test_store_backed_screener_reports_stale_lists(home):
    from sekisho.lists.store import Store

    _load(home, "# list: blocked kind: block\nid,name\n1,Acme Rocket Works\n")
    store = Store.open()
    later = datetime.now(UTC) + timedelta(days=4000)
    stale = [st for st in store.status(later) if st.state == "stale"]
    assert stale  # the custom list is stale 11 years from now

    class Later(Store):
        def status(self, now=None):
            return super().status(later)

    r = Screener(Later(store.root)).screen(Party("Acme Rocket Works"))
    assert r.hits and r.outcome == "review"
    assert any("stale" in p for p in r.problems)


@pytest.mark.parametrize(
    "party",
    [
        Party("Huawei Technologies"),
        Party("华为技术有限公司", country="CN"),
        Party("Sergei Lavrov", schema="Person", dob="1950", country="RU"),
        Party("Sergey Lavrof", schema="Person", country="RU"),
        Party("Snow Storm"),
        Party("Huawei Investment"),
        Party("Shenzhen Something Ltd", identifiers=(Identifier("uscc", "914403001922038216"),)),
    ],
)
def test_threshold_shortcut_keeps_every_hit(screener, party):
    """Entities whose name score cannot reach the threshold are skipped early; the hits must
    be exactly those of a screen that scores everything (threshold 0) and filters after."""
    for thr in (0.5, 0.8, 0.9, 0.97):
        everything = screener.screen(party, threshold=0.0, limit=100).hits
        expected = [h for h in everything if h.score >= thr]
        assert screener.screen(party, threshold=thr, limit=100).hits == expected
