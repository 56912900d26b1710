"""Policy: versioning by content, list rules, regime nexus."""

from __future__ import annotations

import pytest

from sekisho.errors import FormatError
from sekisho.model import ListedEntity, Name, Outcome, Schema
from sekisho.screen.policy import POLICY_FILES, Policy
from sekisho.screen.txinput import transaction_from_dict


def entity(source, sublist=None, programs=()):
    return ListedEntity(f"{source}:1", source, Schema.COMPANY, (Name("X Co"),), sublist=sublist,
                        programs=tuple(programs))


def tx(exporter="TW", ship_from=None):
    return transaction_from_dict({
        "id": "t", "exporter": {"name": "E", "country": exporter},
        "parties": [{"role": "end_user", "name": "U", "country": "CN"}],
        "items": [{"description": "x", "eccn": "EAR99"}], **({"ship_from": ship_from} if ship_from else {})})


def test_version_is_human_plus_content_hash():
    p = Policy.default()
    human, digest = p.version.split("+")
    assert human == p.human_version and digest == p.content_hash[:12]


def test_version_changes_with_any_file():
    p = Policy.default()
    texts = dict(p.texts)
    texts["ear/eccns.yaml"] += "\n# a comment changes the version too\n"
    assert Policy.from_texts(texts).version != p.version
    assert Policy.from_texts(dict(p.texts)).version == p.version


def test_incomplete_or_broken_policy_is_an_error():
    texts = dict(Policy.default().texts)
    del texts["lists.yaml"]
    with pytest.raises(FormatError):
        Policy.from_texts(texts)
    texts = dict(Policy.default().texts)
    texts["lists.yaml"] = "rules: [ {code: X, source: y, consequence: explode} ]"
    with pytest.raises(FormatError):
        Policy.from_texts(texts)
    texts["lists.yaml"] = "rules: ["
    with pytest.raises(FormatError):
        Policy.from_texts(texts)


@pytest.mark.parametrize("source,sublist,code,outcome", [
    ("us_ofac_sdn", None, "OFAC_SDN", Outcome.BLOCK),
    ("us_trade_csl", "SDN", "OFAC_SDN", Outcome.BLOCK),
    ("us_trade_csl", "EL", "BIS_ENTITY_LIST", Outcome.LICENCE_REQUIRED),
    ("us_trade_csl", "DPL", "BIS_DENIED_PERSON", Outcome.BLOCK),
    ("us_bis_dpl", None, "BIS_DENIED_PERSON", Outcome.BLOCK),
    ("us_trade_csl", "UVL", "BIS_UNVERIFIED", Outcome.REVIEW),
    ("us_trade_csl", "MEU", "BIS_MEU", Outcome.LICENCE_REQUIRED),
    ("us_trade_csl", "SSI", "OFAC_NON_SDN", Outcome.REVIEW),
    ("un_sc", None, "UN_SANCTIONS", Outcome.BLOCK),
    ("tw_shtc", None, "TW_SHTC_ENTITY", Outcome.LICENCE_REQUIRED),
    ("jp_meti_eul", None, "JP_METI_END_USER", Outcome.REVIEW),  # TW exporter: no Japanese nexus
    ("custom_watch", None, "CUSTOM_LIST", Outcome.REVIEW),
    ("ftm_sanctions", None, "THIRD_PARTY_LIST", Outcome.REVIEW),
    ("somebody_new", None, "UNKNOWN_LIST", Outcome.REVIEW),  # fail closed
])
def test_list_consequences(source, sublist, code, outcome):
    c = Policy.default().consequence(entity(source, sublist), tx("TW"))
    assert (c.code, c.outcome) == (code, outcome)


def test_nexus_by_exporter_or_ship_from():
    p = Policy.default()
    e = entity("jp_meti_eul")
    assert p.consequence(e, tx("JP")).outcome is Outcome.LICENCE_REQUIRED
    assert p.consequence(e, tx("US", ship_from="JP")).outcome is Outcome.LICENCE_REQUIRED
    assert p.consequence(e, tx("US")).outcome is Outcome.REVIEW
    assert p.consequence(entity("uk_ofsi"), tx("GB")).outcome is Outcome.BLOCK
    assert p.consequence(entity("eu_fsf"), tx("DE")).outcome is Outcome.BLOCK
    assert p.consequence(entity("eu_fsf"), tx("US")).outcome is Outcome.REVIEW


def test_every_rule_cites_something():
    for rule in Policy.default().rules:
        assert rule.rule and rule.code.isupper()


def test_policy_files_ship_with_the_package():
    assert set(POLICY_FILES) <= set(Policy.default().texts)
