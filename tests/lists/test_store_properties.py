"""Properties of snapshot ids and diffs over random entity sets (no files involved)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sekisho.lists.store import diff_entities, snapshot_id
from sekisho.model import ListedEntity, Name, Schema, Snapshot

_names = st.text(alphabet="ABCDEFGHIJ XYZ", min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def entity_sets(draw: st.DrawFn) -> dict[str, ListedEntity]:
    keys = draw(st.lists(st.integers(0, 40), unique=True, max_size=25))
    out = {}
    for k in keys:
        e = ListedEntity(
            id=f"custom_t:{k}",
            source="custom_t",
            schema=draw(st.sampled_from([Schema.PERSON, Schema.COMPANY])),
            names=(Name(draw(_names)),),
            countries=tuple(draw(st.lists(st.sampled_from(["CN", "RU", "IR"]), max_size=2))),
            remarks=draw(st.none() | _names),
        )
        out[e.id] = e
    return out


def _snap(entities: dict[str, ListedEntity]) -> Snapshot:
    return Snapshot(
        snapshot_id("custom_t", entities.values()),
        "custom_t",
        "custom_list",
        "2026-01-01",
        len(entities),
    )


@settings(max_examples=80, deadline=None)
@given(entity_sets(), entity_sets())
def test_diff_partitions_and_reconstructs(old: dict, new: dict) -> None:
    d = diff_entities("custom_t", _snap(old), _snap(new), old.values(), new.values())
    added = {e.id for e in d.added}
    removed = {e.id for e in d.removed}
    changed = {c.new.id for c in d.changed}
    assert added == set(new) - set(old)
    assert removed == set(old) - set(new)
    assert changed == {i for i in set(old) & set(new) if old[i].content_hash != new[i].content_hash}
    for c in d.changed:
        assert c.fields, "a changed entity names at least one field"
        assert all(c.old.to_dict().get(f) != c.new.to_dict().get(f) for f in c.fields)
    # applying the diff to old gives new
    rebuilt = {i: e for i, e in old.items() if i not in removed}
    rebuilt.update({e.id: e for e in d.added})
    rebuilt.update({c.new.id: c.new for c in d.changed})
    assert {i: e.content_hash for i, e in rebuilt.items()} == {
        i: e.content_hash for i, e in new.items()
    }


@settings(max_examples=50, deadline=None)
@given(entity_sets(), st.randoms())
def test_snapshot_id_depends_on_content_not_order(entities: dict, rnd) -> None:
    items = list(entities.values())
    shuffled = items[:]
    rnd.shuffle(shuffled)
    assert snapshot_id("custom_t", items) == snapshot_id("custom_t", shuffled)
    assert snapshot_id("custom_t", items) != snapshot_id("custom_u", items)
    if items:
        assert snapshot_id("custom_t", items) != snapshot_id("custom_t", items[1:])


_SUFFIXES = [".csv", ".xml", ".json", ".txt", ".csv.gz", ".xlsx", ".yaml", ".dat"]


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2048), st.sampled_from(_SUFFIXES), st.booleans())
@example(b"\r\x00", ".csv", False)  # once crashed the transcribed-list sniffer (csv.Error)
def test_random_bytes_never_crash_a_load(
    tmp_path_factory, data: bytes, suffix: str, forced: bool
) -> None:
    """Garbage in any file name: a SekishoError (one line for the CLI) or a valid load."""
    from sekisho.errors import SekishoError
    from sekisho.lists.store import Store

    work = tmp_path_factory.mktemp("rnd")
    path = work / f"list{suffix}"
    path.write_bytes(data)
    store = Store(work / "store")
    try:
        store.load([path], format="us_csl" if forced else None)
    except SekishoError as exc:
        assert str(exc) and "\n" not in str(exc).strip()
        assert not (work / "store" / "refs.json").exists()
