"""The tlog-tiles log: byte-identical to tessera's test log, big trees, reopen, duplicates."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as hst

from sekisho.custody import merkle, note
from sekisho.custody.log import TileLog
from sekisho.custody.tiles import TileReader, encode_index, tile_path
from sekisho.errors import InputError, StoreError

TESSERA_ENTRIES = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eit",
    "nain",
    "ten",
    "ileven",
    "twelf",
    "threeten",
    "fourten",
    "fivten",
]


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".state" not in p.parts and p.name != "log.vkey"
    }


def test_encode_index() -> None:
    assert encode_index(0) == "000"
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(1000) == "x001/000"
    assert tile_path(0, 1234067, 5) == "tile/0/x001/x234/067.p/5"
    assert tile_path("entries", 3) == "tile/entries/003"


def test_reproduces_tessera_log_byte_for_byte(tlog_vectors: Path, tmp_path: Path) -> None:
    keys = json.loads((tlog_vectors / "tessera" / "keys.json").read_text())
    signer = note.parse_skey(keys["signer_key"])
    log = TileLog.create(tmp_path / "log", signer, keys["origin"])
    for i, e in enumerate(TESSERA_ENTRIES):
        assert log.append(e.encode()) == i
    log.close()
    ref = tlog_vectors / "tessera" / "log"
    want = {k: v for k, v in _files(ref).items() if not k.startswith("checkpoint.")}
    assert _files(tmp_path / "log") == want
    history = TileLog.open(tmp_path / "log")
    assert history.history() == [(ref / f"checkpoint.{n}").read_bytes() for n in range(16)]
    history.close()


def test_large_tree_layout_and_proofs(tmp_path: Path) -> None:
    signer = note.generate_signer("example.com/big")
    log = TileLog.create(tmp_path / "log", signer)
    entries = [i.to_bytes(4, "big") for i in range(70_000)]
    for start in range(0, 70_000, 17_500):
        log.append_batch(entries[start : start + 17_500])
    tree = merkle.MemoryTree([merkle.leaf_hash(e) for e in entries])
    assert log.root_hash == tree.root()
    cp = note.open_checkpoint(log.checkpoint, signer.verifier).checkpoint
    assert (cp.size, cp.root) == (70_000, tree.root())
    root = tmp_path / "log"
    # C2SP tlog-tiles example: 273 full level-0 tiles, partial of 112, one full level-1 tile,
    # partial level-1 of 17, partial level-2 of 1.
    assert (root / "tile/0/272").stat().st_size == 8192
    assert (root / "tile/0/273.p/112").stat().st_size == 112 * 32
    assert (root / "tile/1/000").stat().st_size == 8192
    assert (root / "tile/1/001.p/17").stat().st_size == 17 * 32
    assert (root / "tile/2/000.p/1").stat().st_size == 32
    for idx in (0, 255, 256, 65_535, 65_536, 69_999):
        proof = log.inclusion_proof(idx)
        assert proof == tree.inclusion_proof(idx)
        merkle.verify_inclusion(idx, 70_000, merkle.leaf_hash(entries[idx]), proof, cp.root)
        assert log.entry(idx) == entries[idx]
    for s1 in (1, 17_500, 35_000, 65_536):
        assert log.consistency_proof(s1) == tree.consistency_proof(s1, 70_000)
    # proofs at an older size come from the older partial tiles
    assert log.inclusion_proof(5, 17_500) == tree.inclusion_proof(5, 17_500)
    log.close()
    again = TileLog.open(root)
    assert again.size == 70_000 and again.root_hash == tree.root()
    assert again.index_of(entries[12_345]) == 12_345
    assert len(again.history()) == 5
    again.close()


def test_duplicates_return_existing_index(tmp_path: Path) -> None:
    log = TileLog.create(tmp_path / "log", note.generate_signer("example.com/dup"))
    assert log.append_batch([b"a", b"b", b"a"]) == [0, 1, 0]
    before = log.checkpoint
    assert log.append(b"b") == 1
    assert log.checkpoint == before and log.size == 2
    log.close()
    log = TileLog.open(tmp_path / "log")
    assert log.append(b"a") == 0 and log.append(b"c") == 2
    log.close()


def test_bad_entries_rejected_nothing_written(tmp_path: Path) -> None:
    log = TileLog.create(tmp_path / "log", note.generate_signer("example.com/bad"))
    log.append(b"ok")
    with pytest.raises(InputError):
        log.append_batch([b"fine", b""])
    with pytest.raises(InputError):
        log.append(b"x" * 70_000)
    assert log.size == 1
    log.close()


def test_single_writer_and_existing_log(tmp_path: Path) -> None:
    signer = note.generate_signer("example.com/lock")
    log = TileLog.create(tmp_path / "log", signer)
    with pytest.raises(StoreError, match="another process"):
        TileLog.open(tmp_path / "log")
    with pytest.raises(InputError, match="already exists"):
        TileLog.create(tmp_path / "log", signer)
    log.close()


def test_orphan_tiles_from_unfinished_batch_removed(tmp_path: Path) -> None:
    signer = note.generate_signer("example.com/orphan")
    log = TileLog.create(tmp_path / "log", signer)
    log.append_batch([bytes([i]) for i in range(10)])
    cp = log.checkpoint
    log.append_batch([i.to_bytes(2, "big") + b"!" for i in range(300)])
    log.close()
    root = tmp_path / "log"
    # simulate a crash before the commit point: put the old checkpoint back
    (root / "checkpoint").write_bytes(cp)
    (root / "tile/0/.x.tmp").write_bytes(b"junk")
    log = TileLog.open(root)
    assert log.size == 10
    assert not (root / "tile/0/000").exists()
    assert not (root / "tile/0/001.p/54").exists()
    assert (root / "tile/0/000.p/10").exists()
    assert log.append(b"new") == 10
    reader = TileReader(root, 11)
    assert merkle.tree_root(reader.node, 11) == log.root_hash
    log.close()


def test_audit_third_party_tessera_log(tlog_vectors: Path) -> None:
    """Our auditor accepts tessera's log, and proofs built from its tiles link all 16 checkpoints."""
    from sekisho.custody import verify

    keys = json.loads((tlog_vectors / "tessera" / "keys.json").read_text())
    v = note.parse_vkey(keys["verifier_key"])
    log_dir = tlog_vectors / "tessera" / "log"
    report = verify.audit_log(log_dir, v)
    assert (report.size, report.entries) == (15, 15)
    cps = [
        note.open_checkpoint((log_dir / f"checkpoint.{n}").read_bytes(), v).checkpoint
        for n in range(16)
    ]
    reader = TileReader(log_dir, 15)
    for a in cps[1:]:
        for b in cps[a.size :]:
            proof = merkle.consistency_proof(TileReader(log_dir, b.size).node, a.size, b.size)
            merkle.verify_consistency(a.size, b.size, proof, a.root, b.root)
        for i in range(a.size):
            merkle.verify_inclusion(
                i, a.size, reader.node(0, i), merkle.inclusion_proof(reader.node, i, a.size), a.root
            )


def test_torn_history_tail_is_repaired(tmp_path: Path) -> None:
    signer = note.generate_signer("example.com/torn")
    log = TileLog.create(tmp_path / "log", signer)
    log.append_batch([b"a", b"b"])
    log.close()
    hist = tmp_path / "log" / ".state" / "checkpoints"
    good = hist.read_bytes()
    hist.write_bytes(good + b"187\nexample.com/torn\n3\n")  # a record cut off by a crash
    log = TileLog.open(tmp_path / "log")
    assert len(log.history()) == 2 and hist.read_bytes() == good
    log.append(b"c")
    assert len(log.history()) == 3
    log.close()


@settings(max_examples=15, deadline=None)
@given(batches=hst.lists(hst.integers(1, 700), min_size=1, max_size=6), data=hst.data())
def test_random_batches_match_memory_tree(batches: list[int], data: hst.DataObject) -> None:
    """Any sequence of batch sizes: root, tiles, proofs and reopen agree with a plain tree."""
    signer = note.generate_signer("example.com/prop")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "log"
        log = TileLog.create(root, signer)
        entries: list[bytes] = []
        sizes = []
        for n in batches:
            new = [len(entries).to_bytes(4, "big") + bytes([i % 251]) * (i % 7) for i in range(n)]
            new = [e + i.to_bytes(4, "big") for i, e in enumerate(new)]
            assert log.append_batch(new) == list(range(len(entries), len(entries) + n))
            entries += new
            sizes.append(len(entries))
        tree = merkle.MemoryTree([merkle.leaf_hash(e) for e in entries])
        assert log.root_hash == tree.root()
        size = len(entries)
        i = data.draw(hst.integers(0, size - 1))
        assert log.inclusion_proof(i) == tree.inclusion_proof(i)
        old = data.draw(hst.sampled_from(sizes))
        assert log.consistency_proof(old) == tree.consistency_proof(old, size)
        log.close()
        again = TileLog.open(root)
        assert again.size == size and again.root_hash == tree.root()
        again.close()
        from sekisho.custody import verify

        assert verify.audit_log(root, signer.verifier).checkpoints == len(sizes) + 1


def test_readonly_open_alongside_a_writer(tmp_path: Path) -> None:
    signer = note.generate_signer("example.com/ro")
    writer = TileLog.create(tmp_path / "log", signer)
    writer.append_batch([b"a", b"b", b"c"])
    reader = TileLog.open(tmp_path / "log", readonly=True)  # no lock conflict
    assert reader.size == 3 and reader.entry(1) == b"b"
    writer.append(b"d")
    assert reader.size == 3  # a reader sees the checkpoint it opened
    with pytest.raises(StoreError, match="read-only"):
        reader.append(b"e")
    assert TileLog.open(tmp_path / "log", readonly=True).size == 4
    reader.close()
    writer.close()
