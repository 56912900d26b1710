"""NameIndex: retrieval finds what a brute-force compare() over every name finds."""

from __future__ import annotations

import random

import pytest

from sekisho.match import DEFAULT_THRESHOLD, NameIndex, compare
from sekisho.model import ListedEntity, Name, NameKind, Schema


def ent(i: str, *names: str, schema: Schema = Schema.COMPANY) -> ListedEntity:
    return ListedEntity(
        f"t:{i}",
        "custom_test",
        schema,
        tuple(Name(n, NameKind.PRIMARY if k == 0 else NameKind.AKA) for k, n in enumerate(names)),
    )


ENTITIES = [
    ent("1", "Huawei Technologies Co., Ltd.", "华为技术有限公司"),
    ent("2", "Hangzhou Hikvision Digital Technology Co., Ltd.", "HIKVISION"),
    ent("3", "Bank Melli Iran"),
    ent("4", "Vladimir Vladimirovich PUTIN", schema=Schema.PERSON),
    ent("5", "China Electronics Technology Group Corporation"),
    ent("6", "Gazprom Neft PJSC", "ПАО Газпром нефть"),
]


def test_finds_cross_script_compound_and_typo_queries():
    idx = NameIndex.build(ENTITIES)
    cases = {
        "華為技術有限公司": "t:1",
        "Huawei": "t:1",
        "Hik Vision": "t:2",
        "Bank Meli Iran": "t:3",
        "Putin Vladimir": "t:4",
        "China Electronics Technology Group": "t:5",
        "Газпром нефть": "t:6",
        "Vladmir Puttin": "t:4",
    }
    for query, expected in cases.items():
        ids = [c.entity_id for c in idx.search(query, limit=5)]
        assert expected in ids, (query, ids)


def test_empty_index_and_nonsense_query():
    assert NameIndex.build([]).search("anything") == []
    assert NameIndex.build(ENTITIES).search("qqqqzzzz xjxj") == []


def test_disk_cache_roundtrip(tmp_path):
    a = NameIndex.cached(tmp_path, ["snap-a"], ENTITIES)
    files = list(tmp_path.glob("name-index-*.pickle"))
    assert len(files) == 1
    b = NameIndex.cached(tmp_path, ["snap-a"], load_entities=lambda: pytest.fail("rebuilt"))
    assert b.search("Hikvision", 3)[0].entity_id == a.search("Hikvision", 3)[0].entity_id
    files[0].write_bytes(b"corrupt")  # a corrupt cache is rebuilt, never trusted
    c = NameIndex.cached(tmp_path, ["snap-a"], ENTITIES)
    assert len(c) == len(a)


@pytest.mark.integration
@pytest.mark.slow
def test_recall_against_brute_force_on_real_list(shared_data):
    """Every entity that brute-force compare() scores above the threshold is retrieved."""
    from sekisho.lists.formats import get_format

    sdn_dir = shared_data / "lists" / "us-ofac-sdn"
    fmt = get_format("ofac_csv")
    entities = fmt.parse([sdn_dir / "sdn.csv", *fmt.companions(sdn_dir / "sdn.csv")]).entities
    rng = random.Random(7)
    sample = rng.sample(entities, 1000)
    idx = NameIndex.build(sample)
    rows = [(e.id, n.value) for e in sample for n in e.names]
    queries = []
    for e in rng.sample(sample, 30):
        name = e.names[0].value
        # light perturbation: drop a letter from the longest word
        words = name.split()
        k = max(range(len(words)), key=lambda i: len(words[i]))
        if len(words[k]) > 5:
            words[k] = words[k][:2] + words[k][3:]
        queries.append(" ".join(words))
    missed, total = [], 0
    for q in queries:
        truth = {eid for eid, n in rows if compare(q, n).score >= DEFAULT_THRESHOLD}
        got = {c.entity_id for c in idx.search(q, limit=50)}
        total += len(truth)
        missed.extend((q, eid) for eid in truth - got)
    assert total >= len(queries) * 0.8  # most perturbed queries still match their entity
    assert len(missed) <= total // 50, missed  # recall >= 98% of brute force


def test_finds_han_names_from_their_romanised_syllables():
    """A romaniser writes each Han character as a syllable ("sai bo lan ke si gong si"); the
    index holds one word per run of characters. Distractors share single syllables only."""
    entities = [
        ent("h1", "Sybolanx Corporation", "赛博兰克斯公司"),
        ent("h2", "Hokusei Shipbuilding Co., Ltd.", "北星造船株式会社"),
        ent("h3", "Adamowicz", "阿达莫维茨", schema=Schema.PERSON),
        ent("h4", "Tian Ming", schema=Schema.PERSON),
        ent("h5", "Lan Ke Trading"),
        ent("h6", "WEI, Ci", schema=Schema.PERSON),
        ent("h7", "C.I. Mowei S.A."),
        ent("h8", "Bei Xing Logistics"),
        *(ent(f"d{i}", f"Wei {w} Trading") for i, w in enumerate(["Da", "Mo", "Si", "Ke"])),
    ]
    idx = NameIndex.build(entities)
    cases = {
        "sai bo lan ke si gong si": "t:h1",
        # a Japanese company in kanji, read in Mandarin ("zhu shi hui she" = 株式会社)
        "bei xing zao chuan zhu shi hui she": "t:h2",
        # one letter, one syllable each: the whole name written together is one listed word
        "a da mo wei ci": "t:h3",
    }
    for query, expected in cases.items():
        hits = idx.search(query, limit=5)
        assert hits and hits[0].entity_id == expected, (query, hits[:3])


def test_run_of_syllables_outweighs_single_shared_syllables():
    idx = NameIndex.build(
        [ent("r1", "阿布拉莫维茨", schema=Schema.PERSON)]
        + [ent(f"c{i}", f"{w} C.I. S.A.S.") for i, w in enumerate(["Bula", "Mowei", "Abu"])]
    )
    raw = idx.search("a bu la mo wei ci", limit=5, raw=True)
    assert idx.entity_of(raw[0][0]) == "t:r1"
