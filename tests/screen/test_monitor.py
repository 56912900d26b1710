"""Delta screening: only changed list records against every remembered counterparty."""

from __future__ import annotations

import pytest

from sekisho.match import compare
from sekisho.match.normalize import variants
from sekisho.model import ListedEntity, Name, NameKind, Schema
from sekisho.records.repo import Records, StoredCounterparty
from sekisho.screen.monitor import (
    DeltaMatcher,
    _QueryShape,
    _Reading,
    _readings,
    decode_analysis,
    delta_screen,
    encode_analysis,
    quick_bound,
    score_bound,
)


def ent(eid, *names, schema=Schema.COMPANY):
    return ListedEntity(eid, "us_trade_csl", schema,
                        tuple(Name(n, NameKind.PRIMARY if i == 0 else NameKind.AKA)
                              for i, n in enumerate(names)), sublist="EL")


def cp(name, country="CN"):
    return StoredCounterparty(f"{country}:{name.lower()}", name, country, None)


def test_matcher_finds_renamed_and_alias_matches():
    m = DeltaMatcher([ent("e1", "Shenzhen Bright Star Electronics Co., Ltd.", "Bright Star HK Limited")])
    assert [h.entity.id for h in m.match(cp("Shenzhen Bright Star Electronics Company Limited"))] == ["e1"]
    assert m.match(cp("Bright Star HK Ltd"))
    assert not m.match(cp("Northern Star Logistics"))


def test_generic_words_alone_do_not_make_candidates():
    m = DeltaMatcher([ent("e1", "Global Technology Trading Co., Ltd.")])
    assert "trading" not in m.index and "technology" not in m.index
    assert not m.match(cp("Global Pharma Trading Co"))


def test_non_latin_names():
    m = DeltaMatcher([ent("e1", "华为技术有限公司", "Huawei Technologies Co., Ltd.")])
    assert m.match(cp("Huawei Technologies Co Ltd"))
    assert m.match(cp("华为技术有限公司"))


@pytest.fixture
def records(tmp_path):
    r = Records.open(url=f"sqlite:///{tmp_path / 'm.db'}")
    yield r
    r.close()


def test_delta_screen_over_stored_counterparties(records):
    rows = [StoredCounterparty(f"DE:firm {i}", f"Firm Number {i} GmbH", "DE", None) for i in range(3000)]
    rows.append(cp("Shenzhen Bright Star Electronics Co., Ltd."))
    records.add_counterparties(rows)
    hits, n = delta_screen(records, [ent("e1", "Shenzhen Bright Star Electronics Co., Ltd.")])
    assert n == 3001
    assert [h.counterparty.name for h in hits] == ["Shenzhen Bright Star Electronics Co., Ltd."]


def test_delta_screen_nothing_changed(records):
    records.add_counterparties([cp("Anything Ltd")])
    assert delta_screen(records, []) == ([], 1)


# -- bounds: cheaper than compare(), never below it ------------------------------------------

PAIRS = [
    ("Hikvision Digital Technology", "Hangzhou Hik-Vision Digital Technology Co., Ltd.", "Company"),
    ("Hik Vision", "HIKVISION", "Company"),
    ("PLA", "People's Liberation Army", "Organization"),
    ("People's Liberation Army", "PLA", "Organization"),
    ("V. Putin", "Vladimir Vladimirovich PUTIN", "Person"),
    ("Putin Vladimir", "Vladimir Vladimirovich PUTIN", "Person"),
    ("Mohammed bin Salman", "Muhammad bin Salman Al Saud", "Person"),
    ("MHMD Ali", "Mohammed Ali", "Person"),
    ("Huawei Technologies Co Ltd", "华为技术有限公司", "Company"),
    ("华为技术有限公司", "Huawei Technologies Co., Ltd.", "Company"),
    ("Хуавей Текнолоджиз", "Huawei Technologies", "Company"),
    ("13th Research Institute", "13th Research Institute (CETC 13)", "Organization"),
    ("Rostec 2", "Rostec 3", "Company"),
    ("Shenzhen Bright Star Electronics Company Limited", "Bright Star Electronics", "Company"),
    ("Alpha Delta Photonics FZE", "Alfa Photonics", "Company"),
    ("Intl Trading Grp", "International Trading Group", "Company"),
    ("Sumec Instrumants Equipment", "Sumec Instruments Equipment Co. Ltd.", "Company"),
    ("Al-Qaida", "Al-Qa'ida/Islamic Army", "Organization"),
    ("Islamic Army", "Al-Qa'ida/Islamic Army", "Organization"),
    ("Joint Stock Company Sukhoi", "Sukhoi JSC", "Company"),
    ("Tech Star", "Star Tech", "Company"),
    ("Cisco", "Zisco", "Company"),
    ("Coca-Cola", "Coca Cola Company", "Company"),
    ("Novosibirsk Aviation Plant", "NAPO", "Company"),
    ("Abc Def Ghi", "ADG", "Company"),
]


def _bounds(q: str, c: str, schema: str) -> tuple[float, float]:
    person = schema == "Person"
    readings = [_Reading(a, person) for a in _readings(c)]
    quick = max(quick_bound(_QueryShape.of(qa), r) for qa in variants(q) for r in readings)
    exact = max(score_bound(qa, r.analysis, person) for qa in variants(q) for r in readings)
    return quick, exact


@pytest.mark.parametrize("q,c,schema", PAIRS)
def test_bounds_are_never_below_compare(q, c, schema):
    score = compare(q, c, schema).score
    quick, exact = _bounds(q, c, schema)
    assert exact >= score - 1e-4
    assert quick >= score - 1e-4


def test_bounds_reject_pairs_sharing_one_word():
    quick, exact = _bounds("Malacca Ocean Instruments LLC", "Sumec Instruments Equipment Co. Ltd.",
                           "Company")
    assert exact < 0.8 and quick < 0.9
    assert _bounds("Bright Star HK Ltd", "Bright Star HK Limited", "Company")[1] >= 0.8


def _unbounded(monkeypatch):
    from sekisho.screen import monitor

    monkeypatch.setattr(monitor._ListedName, "may_reach", lambda self, query, floor: True)


def test_batched_and_bounded_matching_finds_what_compare_alone_finds(monkeypatch):
    entities = [ent(f"e{i}", a, b) for i, (a, b, _) in enumerate(PAIRS)]
    entities += [ent("p1", "Vladimir Vladimirovich PUTIN", schema=Schema.PERSON),
                 ent("p2", "Muhammad bin Salman Al Saud", schema=Schema.PERSON)]
    names = [q for q, _, _ in PAIRS] + [c for _, c, _ in PAIRS] + [
        "Star Tech Bright Electronics", "Bright Star", "Hangzhou Hikvision", "Sumec", "Putin",
        "Global Hik Vision Trading", "People Liberation Army Navy", "Alfa Photonics 2"]
    m = DeltaMatcher(entities)
    bounded, _ = m.match_many(names)
    assert m.stats["bounded_out"] > 0
    _unbounded(monkeypatch)
    plain = DeltaMatcher(entities)
    unbounded, _ = plain.match_many(names)
    one_by_one = {n: plain._match_name(n) for n in names}
    assert bounded == unbounded == {n: f for n, f in one_by_one.items() if f}
    assert len(bounded) > 10


def test_stored_analysis_round_trip_and_fingerprint():
    for name in ["Huawei Technologies Co., Ltd.", "华为技术有限公司", "ООО Ромашка", "V. Putin"]:
        stored = encode_analysis(name)
        decoded = decode_analysis(name, stored)
        assert [(a.latin, a.tokens) for a in decoded] == [(a.latin, a.tokens) for a in variants(name)]
    stored = encode_analysis("Bright Star")
    assert decode_analysis("Bright Star", "0" * 16 + stored[16:]) is None  # another analyser
    assert decode_analysis("Bright Star", None) is None
    assert encode_analysis("bad\x1dname") is None


def test_delta_screen_keeps_missing_analyses(records):
    from sqlalchemy import text

    records.add_counterparties([cp("Shenzhen Bright Star Electronics Co., Ltd."), cp("Other Firm")])
    with records.engine.begin() as conn:
        assert conn.execute(text("select count(*) from counterparties "
                                 "where name_analysis is null")).scalar() == 0
        conn.execute(text("update counterparties set name_analysis = null"))
    entities = [ent("e1", "Shenzhen Bright Star Electronics Co., Ltd.")]
    first, _ = delta_screen(records, entities)
    with records.engine.connect() as conn:
        kept = conn.execute(text("select name, name_analysis from counterparties")).all()
    assert {n for n, a in kept if a} == {"Shenzhen Bright Star Electronics Co., Ltd."}
    again, _ = delta_screen(records, entities)
    assert [(h.counterparty.key, h.entity.id, h.score) for h in first] == \
           [(h.counterparty.key, h.entity.id, h.score) for h in again] != []


def test_place_words_do_not_hide_an_identical_name(records):
    # "Beijing" analyses as a place qualifier, so the listed name's informative words are only
    # "alite": the prefilter also compares the counterparty's words without place words
    listed = ent("e1", "BEIJING ALITE TECHNOLOGIES CO., LTD.")
    m = DeltaMatcher([listed])
    assert [h.entity.id for h in m.match(cp("BEIJING ALITE TECHNOLOGIES CO., LTD."))] == ["e1"]
    records.add_counterparties([cp("BEIJING ALITE TECHNOLOGIES CO., LTD."), cp("Firm GmbH")])
    hits, _ = delta_screen(records, [listed])
    assert [h.counterparty.name for h in hits] == ["BEIJING ALITE TECHNOLOGIES CO., LTD."]
