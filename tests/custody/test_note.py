"""Signed notes, checkpoints and cosignatures against the C2SP, Go and tessera vectors."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from sekisho.custody import merkle, note
from sekisho.custody.note import Checkpoint, NoteError


def _load(path: Path) -> dict:
    return json.loads(path.read_text())


def test_c2sp_signed_note_example(tlog_vectors: Path) -> None:
    ex = _load(tlog_vectors / "c2sp" / "examples.json")["signed_note_example"]
    v = note.parse_vkey(ex["verifier_key"])
    assert v.vkey == ex["verifier_key"]
    opened = note.open_note(ex["signed"].encode(), [v])
    assert opened.text == ex["text"]
    assert [s.name for s in opened.verified] == ["example.com/foo"]
    assert opened.to_bytes() == ex["signed"].encode()


def test_c2sp_checkpoint_and_cosignature_examples_parse(tlog_vectors: Path) -> None:
    ex = _load(tlog_vectors / "c2sp" / "examples.json")
    cp_ex = ex["checkpoint_example"]
    text, sigs = note._split(cp_ex["signed"].encode())
    cp = Checkpoint.parse(text)
    assert (cp.origin, cp.size) == (cp_ex["origin"], cp_ex["size"])
    assert base64.b64encode(cp.root).decode() == cp_ex["root_hash_b64"]
    assert cp.text() == text
    co = ex["cosigned_checkpoint_example"]
    text, sigs = note._split(co["signed"].encode())
    assert len(sigs) == 2
    wit = sigs[1]
    assert wit.name == "witness.example.com/w1" and len(wit.key_id + wit.sig) == 76
    ts = int.from_bytes(wit.sig[:8], "big")
    assert ts == 1679315147
    assert note.cosignature_message(text, ts) == co["cosignature_signed_message_example"].encode()


def test_go_note_vectors(tlog_vectors: Path) -> None:
    vec = _load(tlog_vectors / "golang-mod" / "note-vectors.json")
    peter = vec["keys"]["PeterNeumann"]
    signer = note.parse_skey(peter["signer_key"])
    assert signer.skey == peter["signer_key"]
    assert signer.verifier.vkey == peter["verifier_key"]
    enoch_seed_signer = note.Signer(
        "EnochRoot",
        note.key_id(
            "EnochRoot",
            1,
            note._raw_public(note.Ed25519PrivateKey.from_private_bytes(bytes(32)).public_key()),
        ),
        1,
        note.Ed25519PrivateKey.from_private_bytes(bytes(32)),
    )
    assert enoch_seed_signer.verifier.vkey == vec["keys"]["EnochRoot"]["verifier_key"]
    for case in vec["signed_notes"]:
        verifiers = [note.parse_vkey(v) for v in case["verifiers"]]
        opened = note.open_note(case["signed"].encode(), verifiers)
        assert opened.text == case["text"]
        got = sorted(f"{s.name}+{s.key_id.hex()}" for s in opened.verified)
        assert got == sorted(case["want_verified"])
    # deterministic signing reproduces both signature lines
    two = vec["signed_notes"][1]
    assert note.sign_note(two["text"], [signer, enoch_seed_signer]) == two["signed"].encode()
    # unknown second key is reported as unverified, not an error
    only_peter = note.open_note(two["signed"].encode(), [signer.verifier])
    assert [s.name for s in only_peter.unverified] == ["EnochRoot"]
    for bad in vec["bad_verifier_keys"]:
        with pytest.raises(NoteError):
            note.parse_vkey(bad["key"])
    for bad in vec["malformed_notes_for_PeterNeumann_verifier"]:
        if "note_repeat" in bad:
            r = bad["note_repeat"]
            msg = r["prefix"] + r["repeat"] * r["count"]
        else:
            msg = bad["note"]
        with pytest.raises(NoteError) as err:
            note.open_note(msg.encode(), [signer.verifier])
        if "want_error" in bad:
            assert bad["want_error"] in str(err.value)
    invalid_utf8 = b"\xff" + two["text"].encode() + b"\n" + two["signed"].encode().split(b"\n\n")[1]
    with pytest.raises(NoteError):
        note.open_note(invalid_utf8, [signer.verifier])
    tree = vec["go_sum_tree_note"]
    cp = Checkpoint(
        "go.sum database tree", tree["size"], merkle.leaf_hash(tree["leaf_data_for_hash"].encode())
    )
    assert cp.text() == tree["text"].encode()


def test_tessera_checkpoints_verify_and_resign_exactly(tlog_vectors: Path) -> None:
    keys = _load(tlog_vectors / "tessera" / "keys.json")
    v = note.parse_vkey(keys["verifier_key"])
    s = note.parse_skey(keys["signer_key"])
    assert s.verifier == v and v.key_id.hex() == keys["key_id"]
    log = tlog_vectors / "tessera" / "log"
    entries = [
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
    tree = merkle.MemoryTree([merkle.leaf_hash(e.encode()) for e in entries])
    for size in range(16):
        raw = (log / f"checkpoint.{size}").read_bytes()
        signed = note.open_checkpoint(raw, v, origin=keys["origin"])
        assert signed.checkpoint.size == size
        assert signed.checkpoint.root == tree.root(size)
        assert note.sign_checkpoint(signed.checkpoint, s) == raw
    assert (log / "checkpoint").read_bytes() == (log / "checkpoint.15").read_bytes()


def test_wrong_key_and_wrong_origin_rejected(tlog_vectors: Path) -> None:
    raw = (tlog_vectors / "tessera" / "log" / "checkpoint").read_bytes()
    other = note.generate_signer("example.com/log/testdata")
    with pytest.raises(NoteError, match="no signature"):
        note.open_checkpoint(raw, other.verifier)
    keys = _load(tlog_vectors / "tessera" / "keys.json")
    with pytest.raises(NoteError, match="origin"):
        note.open_checkpoint(raw, note.parse_vkey(keys["verifier_key"]), origin="elsewhere")


def test_cosignature_roundtrip() -> None:
    log = note.generate_signer("example.com/log")
    witness = note.generate_signer("witness.example/w1", note.ALG_COSIGNATURE_V1)
    assert witness.verifier.vkey.split("+")[2].startswith(base64.b64encode(b"\x04").decode()[:1])
    cp = Checkpoint("example.com/log", 3, merkle.leaf_hash(b"x"))
    signed = note.sign_checkpoint(cp, log)
    cosigned = note.add_signatures(signed, [witness], timestamp=1700000000)
    opened = note.open_checkpoint(cosigned, log.verifier, [witness.verifier])
    assert len(opened.note.verified) == 2
    assert opened.note.timestamps[(witness.name, witness.key_id)] == 1700000000
    # a cosignature over a different time fails: flip one byte of the timestamp
    text, sigs = note._split(cosigned)
    bad = note.Signature(
        sigs[1].name, sigs[1].key_id, bytes([sigs[1].sig[0] ^ 1]) + sigs[1].sig[1:]
    )
    forged = text + b"\n" + (sigs[0].line() + bad.line()).encode()
    with pytest.raises(NoteError, match="invalid signature"):
        note.open_checkpoint(forged, log.verifier, [witness.verifier])


def test_key_roundtrip() -> None:
    s = note.generate_signer("sekisho.example/custody")
    assert note.parse_skey(s.skey).verifier == s.verifier
    assert note.parse_vkey(s.verifier.vkey) == s.verifier
    with pytest.raises(NoteError):
        note.generate_signer("bad name")
    with pytest.raises(NoteError, match="key id"):
        name, kid, data = s.verifier.vkey.split("+", 2)
        note.parse_vkey(f"{name}+00000000+{data}")
