"""Delta screening: only changed list records against every remembered counterparty."""

from __future__ import annotations

import pytest

from sekisho.model import ListedEntity, Name, NameKind, Schema
from sekisho.records.repo import Records, StoredCounterparty
from sekisho.screen.monitor import DeltaMatcher, delta_screen


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
