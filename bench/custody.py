"""Custody log benchmark: append throughput, proofs, audit of a 10M-entry log, disk per entry.

Run from the repo root:  .venv/bin/python bench/custody.py [--big 10000000] [--append 200000]

What is measured (one process, one core; every figure is wall-clock on this machine):

1. log append: realistic ~700-byte signed statements, durable batches (tiles + bundles fsynced,
   checkpoint Ed25519-signed and fsynced per batch), duplicate detection on;
2. statement signing (what each party does, client side) and full ledger recording (parse,
   key-directory lookup, Ed25519 verification, rules, append);
3. proof generation + verification per second, proof and receipt sizes, on the big log;
4. a synthetic big log (default 10,000,000 unique 18-byte entries, appended through the same
   TileLog code in 100k-entry batches, duplicate index off) and its full audit
   (every entry re-hashed, root re-derived, every tile and checkpoint checked);
5. disk bytes per entry for both logs.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

from sekisho.custody import merkle, note, verify
from sekisho.custody import statements as st
from sekisho.custody.devices import commissioning_statement, party_statement
from sekisho.custody.ledger import Ledger
from sekisho.custody.log import TileLog

DEV = "urn:epc:id:sgtin:0614141.107346.GPU{:08d}"
MAKER = "urn:epc:id:pgln:0614141.00001"


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def template_event(n: int) -> dict:
    return {
        "type": "ObjectEvent",
        "eventTime": "2026-03-01T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": [DEV.format(n)],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:0614141.00777.0"},
        "bizLocation": {"id": "urn:epc:id:sgln:0614141.00777.0"},
        "sourceList": [{"type": "owning_party", "source": MAKER}],
        "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:8880001.1"}],
    }


def bench_append(work: Path, n: int, batch: int) -> dict[str, float]:
    signer = note.generate_signer("bench.example/party")
    base = st.event_statement(template_event(0), DEV.format(0), "ab" * 32, signer).entry
    # Distinct realistic entries without paying a signature each (signing is measured below).
    entries = [base.replace(b"GPU00000000", f"GPU{i:08d}".encode()) for i in range(n)]
    log = TileLog.create(work / "append", note.generate_signer("bench.example/log"))
    t = time.perf_counter()
    for i in range(0, n, batch):
        log.append_batch(entries[i : i + batch])
    dt = time.perf_counter() - t
    size = log.size
    log.close()
    return {
        "entries": size,
        "entry_bytes": len(base),
        "append_per_s": size / dt,
        "batches": -(-n // batch),
        "disk_per_entry": du(work / "append") / size,
    }


def bench_statements(work: Path, n: int) -> dict[str, float]:
    operator = note.generate_signer("bench.example/ledger")
    maker = note.generate_signer("maker.bench.example")
    dev = note.generate_signer("dev.bench.example")
    ledger = Ledger.create(work / "ledger", operator)
    ledger.record(party_statement(operator, MAKER, "Maker", maker.verifier))
    t = time.perf_counter()
    stmts = [
        commissioning_statement(
            maker,
            MAKER,
            DEV.format(i),
            str(i),
            "G",
            "3A090.a",
            dev.verifier,
            "2026-03-01T00:00:00Z",
        )
        for i in range(n)
    ]
    sign_dt = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(0, n, 1000):
        ledger.record_batch(stmts[i : i + 1000])
    rec_dt = time.perf_counter() - t
    ledger.close()
    return {"sign_per_s": n / sign_dt, "record_per_s": n / rec_dt, "statements": n}


def build_big(work: Path, n: int, batch: int) -> tuple[Path, note.Signer, float]:
    root = work / "big"
    signer = note.generate_signer("bench.example/big")
    log = TileLog.create(root, signer, dedup=False)
    t = time.perf_counter()
    for start in range(0, n, batch):
        end = min(n, start + batch)
        log.append_batch([b"entry-%012d" % i for i in range(start, end)])
    dt = time.perf_counter() - t
    log.close()
    return root, signer, dt


def bench_proofs(root: Path, signer: note.Signer, samples: int) -> dict[str, float]:
    log = TileLog.open(root, dedup=False)
    size = log.size
    rng = random.Random(7)
    idx = [rng.randrange(size) for _ in range(samples)]
    cp = note.open_checkpoint(log.checkpoint, signer.verifier).checkpoint
    t = time.perf_counter()
    proofs = [log.inclusion_proof(i) for i in idx]
    gen_dt = time.perf_counter() - t
    leaves = [merkle.leaf_hash(b"entry-%012d" % i) for i in idx]
    t = time.perf_counter()
    for i, leaf, p in zip(idx, leaves, proofs, strict=True):
        merkle.verify_inclusion(i, size, leaf, p, cp.root)
    ver_dt = time.perf_counter() - t
    receipt = log.receipt(idx[0])
    t = time.perf_counter()
    for _ in range(200):
        verify.verify_receipt(receipt, signer.verifier)
    rec_dt = (time.perf_counter() - t) / 200
    t = time.perf_counter()
    cons = [log.consistency_proof(rng.randrange(1, size), size) for _ in range(200)]
    cons_dt = (time.perf_counter() - t) / 200
    log.close()
    return {
        "gen_per_s": samples / gen_dt,
        "verify_per_s": samples / ver_dt,
        "proof_hashes": sum(len(p) for p in proofs) / len(proofs),
        "proof_bytes": 32 * sum(len(p) for p in proofs) / len(proofs),
        "receipt_bytes": len(receipt),
        "receipt_verify_ms": rec_dt * 1000,
        "consistency_gen_ms": cons_dt * 1000,
        "consistency_hashes": sum(len(c) for c in cons) / len(cons),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--big", type=int, default=10_000_000, help="entries in the synthetic log")
    ap.add_argument("--append", type=int, default=200_000, help="statements for the append bench")
    ap.add_argument("--batch", type=int, default=2_000, help="statements per durable batch")
    ap.add_argument("--statements", type=int, default=3_000, help="signed statements to record")
    ap.add_argument("--work", type=Path, default=None, help="scratch dir (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch dir")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="sekisho-custody-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str]] = []
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    try:
        a = bench_append(work, args.append, args.batch)
        rows += [
            (
                f"append, durable batches of {args.batch}, {a['entry_bytes']} B statements",
                f"{a['append_per_s']:,.0f} statements/s ({a['entries']:,} in {a['batches']} batches)",
            ),
            (
                "disk per statement (tiles + bundles + checkpoints)",
                f"{a['disk_per_entry']:,.0f} bytes",
            ),
        ]
        s = bench_statements(work, args.statements)
        rows += [
            ("statement build + Ed25519 sign (party side)", f"{s['sign_per_s']:,.0f} statements/s"),
            (
                "ledger record: parse + verify sig + rules + durable append",
                f"{s['record_per_s']:,.0f} statements/s",
            ),
        ]
        root, signer, build_dt = build_big(work, args.big, 100_000)
        rows.append(
            (
                f"synthetic log build, {args.big:,} entries",
                f"{build_dt:,.1f} s ({args.big / build_dt:,.0f} entries/s)",
            )
        )
        rows.append(("disk per synthetic 18 B entry", f"{du(root) / args.big:,.1f} bytes"))
        p = bench_proofs(root, signer, 2_000)
        rows += [
            ("inclusion proof generation (from tiles)", f"{p['gen_per_s']:,.0f} proofs/s"),
            ("inclusion proof verification", f"{p['verify_per_s']:,.0f} proofs/s"),
            (
                "inclusion proof size",
                f"{p['proof_hashes']:.1f} hashes = {p['proof_bytes']:.0f} bytes",
            ),
            (
                "receipt (tlog-proof) size / verify",
                f"{p['receipt_bytes']} bytes / {p['receipt_verify_ms']:.2f} ms",
            ),
            (
                "consistency proof generation",
                f"{p['consistency_gen_ms']:.2f} ms ({p['consistency_hashes']:.1f} hashes)",
            ),
        ]
        t = time.perf_counter()
        report = verify.audit_log(root, signer.verifier)
        audit_dt = time.perf_counter() - t
        rows.append(
            (
                f"full audit of the {report.entries:,}-entry log",
                f"{audit_dt:,.1f} s ({report.entries / audit_dt:,.0f} entries/s, "
                f"{report.checkpoints} checkpoints, {report.tiles:,} tiles)",
            )
        )
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    width = max(len(k) for k, _ in rows)
    print(f"{'measure'.ljust(width)}  result")
    print(f"{'-' * width}  {'-' * 40}")
    for k, v in rows:
        print(f"{k.ljust(width)}  {v}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
