"""The Screener's list-vocabulary evidence: a hit resting on one word that is common in the
lists, an organisation-looking name against a listed person, extra words against a vessel."""

from __future__ import annotations

from sekisho.model import ListedEntity, Name, Schema
from sekisho.screen.party import Party, Screener


def ent(i: int, name: str, schema: Schema = Schema.COMPANY) -> ListedEntity:
    return ListedEntity(f"x:{i}", "x", schema, (Name(name),))


def _hit(screener: Screener, query: str, entity_id: str, **kw):
    hits = screener.screen(Party(query, **kw), threshold=0.0, limit=50).hits
    return next((h for h in hits if h.entity.id == entity_id), None)


def test_one_common_shared_word_is_weak_evidence() -> None:
    # "ORIENT" is in many listed names; "DEVONSHIRE" is in one.
    listed = [ent(i, f"Orient {w} Trading LLC") for i, w in enumerate(
        ["Alpha", "Bravo", "Cargo", "Delta", "Echo", "Falcon", "Gulf", "Harbor", "Indigo", "Jade",
         "Kilo", "Lotus", "Marine", "Nova", "Oasis", "Pearl", "Quartz", "Ruby", "Star", "Tiger",
         "Union", "Vega"])]
    listed += [ent(100, "Orient"), ent(101, "Devonshire")]
    screener = Screener.from_entities(listed, snapshots=["s"])
    common = _hit(screener, "Orient Zephyr Foods", "x:100")
    rare = _hit(screener, "Devonshire Zephyr Foods", "x:101")
    assert common is not None and rare is not None
    assert "common_anchor" in common.features
    assert "common in the lists" in common.explanation
    assert "common_anchor" not in rare.features
    assert common.score < rare.score
    # a business word of the party's own counts as saying more ("Orient Logistics")
    business = _hit(screener, "Orient Logistics", "x:100")
    assert business is not None and "common_anchor" in business.features


def test_organisation_name_against_listed_person_is_lowered() -> None:
    screener = Screener.from_entities([ent(1, "Nova Kilo", Schema.PERSON)], snapshots=["s"])
    as_company = _hit(screener, "Nova Kilo Bank", "x:1")
    assert as_company is not None and "looks_like_org" in as_company.features
    plain = _hit(screener, "Nova Kilo", "x:1")
    assert plain is not None and "looks_like_org" not in plain.features
    assert as_company.score < plain.score


def test_extra_words_against_a_vessel_are_lowered() -> None:
    screener = Screener.from_entities([ent(1, "DEVON", Schema.VESSEL)], snapshots=["s"])
    hit = _hit(screener, "Devon Energy", "x:1")
    assert hit is None or "thing_extra_words" in hit.features
    same = _hit(screener, "Devon", "x:1")
    assert same is not None and same.score == 1.0
