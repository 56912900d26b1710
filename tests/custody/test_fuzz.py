"""Parsers never crash on hostile input: they raise their own error type or succeed."""

from __future__ import annotations

import contextlib

from hypothesis import given, settings
from hypothesis import strategies as st

from sekisho.custody import merkle, note, tiles, verify
from sekisho.custody.log import TileLog

SIGNER = note.generate_signer("fuzz.example/log")
GOOD_NOTE = note.sign_checkpoint(
    note.Checkpoint("fuzz.example/log", 5, merkle.leaf_hash(b"x")), SIGNER
)


def _mutate(data: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, val in edits:
        if out:
            out[pos % len(out)] = val
    return bytes(out)


edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(edits)
def test_mutated_checkpoints_raise_note_errors(e: list[tuple[int, int]]) -> None:
    data = _mutate(GOOD_NOTE, e)
    try:
        cp = note.open_checkpoint(data, SIGNER.verifier)
    except note.NoteError:
        return
    assert cp.raw == data and data == GOOD_NOTE  # only an unchanged note can verify


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    for fn, err in (
        (lambda: note.open_note(data, [SIGNER.verifier]), note.NoteError),
        (lambda: verify.verify_receipt(data, SIGNER.verifier), verify.ReceiptError),
        (lambda: tiles.decode_bundle(data), tiles.TileError),
    ):
        with contextlib.suppress(err):
            fn()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_random_keys(text: str) -> None:
    for fn in (note.parse_vkey, note.parse_skey):
        with contextlib.suppress(note.NoteError):
            fn(text)


def test_mutated_receipts(tmp_path_factory) -> None:
    root = tmp_path_factory.mktemp("fz") / "log"
    log = TileLog.create(root, SIGNER)
    log.append_batch([b"e%d" % i for i in range(40)])
    receipt = log.receipt(17)
    log.close()

    @settings(max_examples=300, deadline=None)
    @given(edits)
    def run(e: list[tuple[int, int]]) -> None:
        data = _mutate(receipt, e)
        try:
            verify.verify_receipt(data, SIGNER.verifier)
        except verify.ReceiptError:
            return
        assert data == receipt

    run()
