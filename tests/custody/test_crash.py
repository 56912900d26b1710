"""Kill the writer with SIGKILL at random points; reopen: no acknowledged entry lost, no corruption."""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sekisho.custody import note, verify
from sekisho.custody.log import TileLog

WRITER = Path(__file__).with_name("crash_writer.py")


@pytest.mark.slow
def test_sigkill_during_appends_loses_nothing_acknowledged(tmp_path: Path) -> None:
    root = tmp_path / "log"
    signer = note.generate_signer("example.com/crash")
    TileLog.create(root, signer).close()
    rng = random.Random(1234)
    acked: dict[int, int] = {}
    rounds = 8
    for r in range(rounds):
        proc = subprocess.Popen(
            [sys.executable, str(WRITER), str(root), str(r)],
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + rng.uniform(0.3, 1.5)
        buf = b""
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                buf += chunk
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        buf += proc.stdout.read()
        proc.stdout.close()
        for line in buf.split(b"\n")[:-1]:  # a torn last line was never fully acknowledged
            idx, length = map(int, line.split())
            acked[idx] = length
        log = TileLog.open(root)  # recovery happens here
        assert log.size >= (max(acked) + 1 if acked else 0)
        stored = dict(log.entries())
        for idx, length in acked.items():
            e = stored[idx]
            assert e.startswith(f"entry-{idx}".encode()) and len(e) == length
        log.close()
        report = verify.audit_log(root, signer.verifier)
        assert report.size >= len(acked)
    assert len(acked) > 100


def test_failure_inside_commit_leaves_previous_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An I/O error after the tiles are written but before the checkpoint: nothing is
    acknowledged, the writer refuses to continue, and reopening restores a clean log."""
    from sekisho.custody import log as log_mod

    root = tmp_path / "log"
    signer = note.generate_signer("example.com/fault")
    log = TileLog.create(root, signer)
    log.append_batch([b"kept-%d" % i for i in range(300)])
    real = log_mod.atomic_write

    def failing(path: Path, data: bytes, **kw: object) -> None:
        if path.name == "checkpoint":
            raise OSError(28, "No space left on device")
        real(path, data, **kw)

    monkeypatch.setattr(log_mod, "atomic_write", failing)
    with pytest.raises(log_mod.StoreError, match="not appended"):
        log.append_batch([b"lost-%d" % i for i in range(500)])
    monkeypatch.setattr(log_mod, "atomic_write", real)
    with pytest.raises(log_mod.StoreError, match="reopen"):
        log.append(b"more")
    log.close()
    assert (root / "tile/0/002").exists()  # written by the failed batch...
    log = TileLog.open(root)
    assert log.size == 300 and not (root / "tile/0/002").exists()  # ...and removed on reopen
    assert log.append(b"after") == 300
    log.close()
    assert verify.audit_log(root, signer.verifier).entries == 301
