"""Receipts: fetch one from the custody log in SEKISHO_HOME, verify it with the key alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sekisho.api import create_app
from sekisho.custody import note
from sekisho.custody.log import TileLog

from .conftest import make_home


@pytest.fixture
def custody_client(tmp_path: Path) -> Iterator[tuple[TestClient, note.Signer]]:
    settings = make_home(tmp_path / "h")
    signer = note.generate_signer("test.sekisho.example/custody")
    log = TileLog.create(settings.home / "custody", signer)
    log.append_batch([f"entry {i}".encode() for i in range(5)])
    log.close()
    with TestClient(create_app(settings)) as c:
        yield c, signer


def test_proof_roundtrip(custody_client: tuple[TestClient, note.Signer]) -> None:
    c, signer = custody_client
    r = c.get("/custody/proof/3")
    assert r.status_code == 200 and r.text.startswith("c2sp.org/tlog-proof@v1")
    v = c.post("/custody/verify", json={"receipt": r.text, "key": signer.verifier.vkey})
    assert v.status_code == 200, v.text
    body = v.json()
    assert body["ok"] is True and body["index"] == 3 and body["tree_size"] == 5
    assert body["entry"] == "entry 3"
    assert c.get("/custody/checkpoint").text.startswith("test.sekisho.example/custody\n5\n")


def test_tampered_receipt_fails(custody_client: tuple[TestClient, note.Signer]) -> None:
    c, signer = custody_client
    receipt = c.get("/custody/proof/1").text
    forged = receipt.replace("index 1", "index 2")
    r = c.post("/custody/verify", json={"receipt": forged, "key": signer.verifier.vkey})
    assert r.status_code == 422 and r.json()["type"] == "/problems/verification-failed"
    other = note.generate_signer("other.example/log")
    r = c.post("/custody/verify", json={"receipt": receipt, "key": other.verifier.vkey})
    assert r.status_code == 422
    r = c.post("/custody/verify", json={"receipt": receipt, "key": "garbage"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "key"


def test_unknown_entry_and_missing_log(custody_client: tuple[TestClient, note.Signer],
                                       empty_client: TestClient) -> None:
    c, _ = custody_client
    assert c.get("/custody/proof/99").status_code == 404
    r = empty_client.get("/custody/proof/0")
    assert r.status_code == 404 and "custody init" in r.json()["detail"]
