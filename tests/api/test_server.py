"""A real uvicorn server on 127.0.0.1, spoken to over HTTP with httpx; and `sekisho serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from sekisho.api import create_app

from .conftest import WATCH, make_home


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    app = create_app(make_home(tmp_path / "home", WATCH))
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


def test_real_http_roundtrip(server: str) -> None:
    with httpx.Client(base_url=server, timeout=30) as http:
        assert http.get("/health").json()["status"] == "ok"
        r = http.post("/match/default", json={"queries": {"q1": {
            "schema": "Company", "properties": {"name": ["Huawei Technologies"]}}}})
        assert r.status_code == 200
        assert r.json()["responses"]["q1"]["results"][0]["id"] == "custom_watch:w1"
        r = http.post("/screen", json={"name": ""})
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        r = http.get("/ui/", follow_redirects=False)
        assert r.status_code == 200 and "custom_watch" in r.text


def test_concurrent_requests_agree(server: str) -> None:
    names = ["Huawei Technologies", "Ivan Samplenko", "Kyoto Ceramic Teapots"] * 6

    def screen(name: str) -> tuple[str, list[str]]:
        with httpx.Client(base_url=server, timeout=60) as http:
            body = http.post("/screen", json={"name": name}).json()
        return body["outcome"], [h["entity_id"] for h in body["hits"]]

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(screen, names))
    by_name: dict[str, set] = {}
    for name, (outcome, ids) in zip(names, results, strict=True):
        by_name.setdefault(name, set()).add((outcome, tuple(ids)))
    assert all(len(v) == 1 for v in by_name.values()), by_name
    assert by_name["Huawei Technologies"].pop()[1][0] == "custom_watch:w1"


def test_serve_refuses_public_address_without_keys(cli, monkeypatch) -> None:
    monkeypatch.delenv("SEKISHO_API_KEYS", raising=False)
    result = cli("serve", "--host", "0.0.0.0", "--port", "1")
    assert result.code == 2
    assert "refusing to listen on 0.0.0.0" in result.stderr


@pytest.mark.slow
def test_sekisho_serve_command(tmp_path: Path) -> None:
    """`sekisho serve` in its own process, with API keys on."""
    make_home(tmp_path, WATCH)
    port = free_port()
    key = "serve-test-key-0123456789"
    env = {**os.environ, "SEKISHO_HOME": str(tmp_path), "SEKISHO_API_KEYS": f"ci:read:{key}"}
    proc = subprocess.Popen([sys.executable, "-m", "sekisho", "serve", "--port", str(port),
                             "--log-level", "warning"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    assert http.get("/health").json()["auth"] is True
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, proc.stderr.read().decode()
                    assert time.monotonic() < deadline, "server did not start"
                    time.sleep(0.2)
            assert http.post("/screen", json={"name": "Huawei"}).status_code == 401
            r = http.post("/screen", json={"name": "Huawei Technologies"},
                          headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 200 and r.json()["hits"]
    finally:
        proc.terminate()
        proc.wait(10)
