"""Flip one byte anywhere (tile, entry bundle, checkpoint, history, receipt): verification fails
and the error says where. Also: our receipts verify with an independent path and vice versa."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path

import pytest

from sekisho.custody import merkle, note, verify
from sekisho.custody.log import TileLog
from sekisho.custody.tiles import TileReader
from sekisho.custody.verify import AuditError, Receipt, ReceiptError


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, note.Signer, list[bytes]]:
    root = tmp_path_factory.mktemp("tamper") / "log"
    signer = note.generate_signer("example.com/tamper")
    entries = [f"statement {i}".encode() for i in range(600)]
    log = TileLog.create(root, signer)
    for start, end in ((0, 10), (10, 300), (300, 301), (301, 600)):
        log.append_batch(entries[start:end])
    log.close()
    return root, signer, entries


def _copy(root: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(root, dst)
    (dst / ".state" / "lock").unlink(missing_ok=True)
    return dst


def _flip(path: Path, pos: int) -> None:
    data = bytearray(path.read_bytes())
    data[pos] ^= 0x01
    path.write_bytes(bytes(data))


def test_clean_log_audits(built) -> None:
    root, signer, entries = built
    report = verify.audit_log(root, signer.verifier)
    assert (report.entries, report.checkpoints) == (600, 5)


@pytest.mark.parametrize(
    "rel",
    [
        "tile/0/000",  # full level-0 tile
        "tile/0/002.p/88",  # partial level-0 tile (current)
        "tile/0/000.p/10",  # partial level-0 tile kept for an older checkpoint
        "tile/1/000.p/2",  # level-1 tile
        "tile/entries/001",  # full entry bundle
        "tile/entries/002.p/88",  # partial entry bundle
        "tile/entries/001.p/45",  # older partial entry bundle
        "checkpoint",
    ],
)
def test_flip_any_byte_in_a_log_file_fails_audit_naming_it(built, tmp_path: Path, rel: str) -> None:
    root, signer, _ = built
    size = (root / rel).stat().st_size
    for pos in sorted({0, 1, size // 2, size - 2, size - 1}):
        dst = _copy(root, tmp_path / str(pos))
        _flip(dst / rel, pos)
        with pytest.raises(AuditError) as err:
            verify.audit_log(dst, signer.verifier)
        assert rel in str(err.value) or (rel == "checkpoint" and "checkpoint" in str(err.value)), (
            str(err.value)
        )


def test_flip_in_history_fails(built, tmp_path: Path) -> None:
    root, signer, _ = built
    dst = _copy(root, tmp_path)
    hist = dst / ".state" / "checkpoints"
    _flip(hist, hist.stat().st_size // 3)
    with pytest.raises(AuditError, match="history|checkpoints"):
        verify.audit_log(dst, signer.verifier)


def test_wrong_key_fails_audit(built) -> None:
    root, _, _ = built
    with pytest.raises(AuditError, match="checkpoint"):
        verify.audit_log(root, note.generate_signer("example.com/tamper").verifier)


def test_receipt_every_byte_flip_fails(built) -> None:
    root, signer, entries = built
    log = TileLog.open(root)
    receipt = log.receipt(123)
    log.close()
    ok = verify.verify_receipt(receipt, signer.verifier)
    assert ok.entry == entries[123] and ok.index == 123 and ok.size == 600
    where = set()
    for pos in range(len(receipt)):
        bad = bytearray(receipt)
        bad[pos] ^= 0x01
        with pytest.raises(ReceiptError) as err:
            verify.verify_receipt(bytes(bad), signer.verifier)
        where.add(str(err.value).split(":")[0])
    assert {
        "receipt line 2 (extra)",
        "receipt checkpoint",
        "receipt inclusion proof",
    } <= where or len(where) >= 4
    with pytest.raises(ReceiptError, match="checkpoint"):
        verify.verify_receipt(receipt, note.generate_signer("example.com/tamper").verifier)
    with pytest.raises(ReceiptError, match="extra"):
        verify.verify_receipt(receipt, signer.verifier, entry=b"something else")


def test_receipt_independent_paths(built) -> None:
    """Our receipt verifies with a hand-written RFC 6962 walk over the tiles, and a receipt made
    by hand from the tiles (not the log's prover) verifies with our verifier."""
    root, signer, entries = built
    log = TileLog.open(root)
    receipt = Receipt.parse(log.receipt(300))
    log.close()
    # independent path 1: recompute the root from the raw level-0 tile bytes
    reader = TileReader(root, 600)
    leaves = [h for b in range(3) for h in reader.read_tile(0, b)]
    assert (
        merkle.root_of_hashes(leaves)
        == note.Checkpoint.parse(receipt.checkpoint.split(b"\n\n")[0] + b"\n").root
    )
    # independent path 2: a receipt assembled from a MemoryTree over the entries
    tree = merkle.MemoryTree([merkle.leaf_hash(e) for e in entries])
    handmade = (
        "c2sp.org/tlog-proof@v1\nextra {}\nindex 300\n{}\n\n".format(
            base64.b64encode(entries[300]).decode(),
            "\n".join(base64.b64encode(h).decode() for h in tree.inclusion_proof(300)),
        ).encode()
        + receipt.checkpoint
    )
    assert verify.verify_receipt(handmade, signer.verifier).index == 300
    assert handmade == Receipt(300, receipt.proof, receipt.checkpoint, entries[300]).to_text()


def test_witness_cosigns_only_consistent_checkpoints(built, tmp_path: Path) -> None:
    root, signer, _ = built
    witness = note.generate_signer("witness.example/w1", note.ALG_COSIGNATURE_V1)
    history = verify.read_history(root)
    old, new = history[2], history[-1]
    old_size = note.Checkpoint.parse(old.split(b"\n\n")[0] + b"\n").size
    log = TileLog.open(_copy(root, tmp_path))
    proof = log.consistency_proof(old_size)
    receipt = Receipt.parse(log.receipt(7))
    log.close()
    cosigned = verify.witness_cosign(
        witness, signer.verifier, new, previous=old, proof=proof, timestamp=1_800_000_000
    )
    result = verify.verify_receipt(
        Receipt(7, receipt.proof, cosigned, receipt.extra).to_text(),
        signer.verifier,
        witnesses=[witness.verifier],
    )
    assert result.witnesses == ("witness.example/w1",)
    bad = [bytes(32)] + proof[1:]
    with pytest.raises(verify.VerificationError, match="not consistent"):
        verify.witness_cosign(witness, signer.verifier, new, previous=old, proof=bad, timestamp=1)
