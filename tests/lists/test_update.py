"""`update` against a real HTTP server on 127.0.0.1, and from a mirror folder.

Every failure (404, truncated body, garbage, timeout, parse error, checksum) must leave the
previous snapshot current and say why.
"""

from __future__ import annotations

import http.server
import re
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from sekisho.errors import DownloadError, NotFoundError
from sekisho.lists import catalog
from sekisho.lists.catalog import Download
from sekisho.lists.store import Store, clear_memory_cache
from sekisho.lists.update import fetch, update
from sekisho.settings import Settings

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "store"


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves files from `root`; special paths misbehave on purpose."""

    root: Path
    hits: dict[str, int]

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        name = self.path.lstrip("/").split("?")[0]
        self.hits[name] = self.hits.get(name, 0) + 1
        if name.startswith("trickle/"):
            body = (self.root / name.removeprefix("trickle/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(0, len(body), 64):
                self.wfile.write(body[i : i + 64])
                self.wfile.flush()
                time.sleep(0.05)
            return
        if name.startswith("slow/"):
            time.sleep(1.5)
            name = name.removeprefix("slow/")
        if name.startswith("flaky/"):
            name = name.removeprefix("flaky/")
            if self.hits[f"flaky/{name}"] == 1:
                self.send_response(503)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        path = self.root / name
        if not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = path.read_bytes()
        self.send_response(200)
        if name.startswith("truncated/") or path.parent.name == "truncated":
            self.send_header("Content-Length", str(len(body) + 5000))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path, dict[str, int]]]:
    root = tmp_path / "www"
    root.mkdir()
    hits: dict[str, int] = {}
    handler = type("H", (_Handler,), {"root": root, "hits": hits})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root, hits
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def store(home: Path) -> Store:
    clear_memory_cache()
    return Store.open(Settings.load())


FAST = Settings(home=Path("/nonexistent"), http_timeout=0.5, http_retries=1)


def csl_at(url: str) -> catalog.Source:
    """The real CSL catalogue entry, pointed at the local server."""
    return replace(catalog.get("us_trade_csl"), downloads=(Download(url, "consolidated.csv"),))


def serve(root: Path, rel: str, fixture: str) -> None:
    dest = root / rel
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FIX / fixture, dest)


def test_update_success_then_unchanged(server, store: Store) -> None:
    base, root, _ = server
    serve(root, "consolidated.csv", "csl_v1.csv")
    [r] = update(store, [csl_at(f"{base}/consolidated.csv")], settings=FAST, backoff=0)
    assert r.state == "updated" and r.ok, r.message
    snap = store.current("us_trade_csl")
    assert snap.entity_count == 4 and r.report.snapshot.id == snap.id
    assert snap.files[0]["url"] == f"{base}/consolidated.csv"
    assert r.files[0]["sha256"] == snap.files[0]["sha256"]
    [status] = [s for s in store.status() if s.source == "us_trade_csl"]
    assert (status.state, status.origin, status.basis) == ("fresh", "download", "retrieved")
    [again] = update(store, [csl_at(f"{base}/consolidated.csv")], settings=FAST, backoff=0)
    assert again.state == "unchanged" and len(store.history("us_trade_csl")) == 1
    serve(root, "consolidated.csv", "csl_v2.csv")
    [newer] = update(store, [csl_at(f"{base}/consolidated.csv")], settings=FAST, backoff=0)
    assert newer.state == "updated" and len(store.history("us_trade_csl")) == 2


@pytest.mark.parametrize(
    ("path", "fixture", "reason"),
    [
        ("missing.csv", None, "HTTP 404"),
        ("truncated/consolidated.csv", "csl_v2.csv", "truncated|incomplete|peer closed"),
        ("garbage.csv", "junk.dat", "no known list format"),
        ("slow/consolidated.csv", "csl_v2.csv", "timed out"),
        ("malformed.csv", "csl_malformed.csv", "expected 29 fields"),
        ("wrong_format.csv", "custom_vendors.csv", "format custom_list, not us_csl"),
    ],
)
def test_failed_update_keeps_previous_snapshot(
    server, store: Store, path: str, fixture: str | None, reason: str
) -> None:
    base, root, _ = server
    serve(root, "good.csv", "csl_v1.csv")
    [ok] = update(store, [csl_at(f"{base}/good.csv")], settings=FAST, backoff=0)
    before = store.refs_path.read_bytes()
    if fixture:
        serve(root, path, fixture)
    [r] = update(store, [csl_at(f"{base}/{path}")], settings=FAST, backoff=0)
    assert r.state == "failed" and not r.ok
    assert "previous snapshot kept" in r.message
    assert re.search(reason, r.message), r.message
    assert store.refs_path.read_bytes() == before
    assert store.current("us_trade_csl").id == ok.report.snapshot.id


def test_trickling_server_hits_the_total_deadline(server, store: Store) -> None:
    base, root, _ = server
    serve(root, "consolidated.csv", "csl_v1.csv")
    [r] = update(
        store,
        [csl_at(f"{base}/trickle/consolidated.csv")],
        settings=FAST,
        backoff=0,
        max_seconds=0.3,
    )
    assert r.state == "failed" and "took longer than" in r.message
    assert store.current("us_trade_csl") is None and "nothing loaded" in r.message


def test_transient_errors_are_retried(server, store: Store) -> None:
    base, root, hits = server
    serve(root, "consolidated.csv", "csl_v1.csv")
    [r] = update(store, [csl_at(f"{base}/flaky/consolidated.csv")], settings=FAST, backoff=0)
    assert r.state == "updated", r.message
    assert hits["flaky/consolidated.csv"] == 2
    # a 404 is not retried
    update(store, [csl_at(f"{base}/gone.csv")], settings=FAST, backoff=0)
    assert hits["gone.csv"] == 1


def test_multi_file_source_needs_every_file(server, store: Store) -> None:
    """OFAC's four files: one missing companion fails the whole source, nothing half-loaded."""
    base, root, _ = server
    ofac = catalog.get("us_ofac_sdn")
    local = replace(
        ofac, downloads=tuple(replace(d, url=f"{base}/{d.name}") for d in ofac.downloads)
    )
    for name in ("sdn.csv", "add.csv", "sdn_comments.csv"):  # alt.csv missing: 404
        shutil.copyfile(FIX / "ofac" / name, root / name)
    [r] = update(store, [local], settings=FAST, backoff=0)
    assert r.state == "failed" and "alt.csv: HTTP 404" in r.message
    assert store.current("us_ofac_sdn") is None
    shutil.copyfile(FIX / "ofac" / "alt.csv", root / "alt.csv")
    [r] = update(store, [local], settings=FAST, backoff=0)
    assert r.state == "updated" and store.current("us_ofac_sdn").entity_count == 2
    assert {f["url"] for f in store.current("us_ofac_sdn").files} == {
        d.url for d in local.downloads
    }


def test_fetch_checks_size_and_checksum(server, tmp_path: Path) -> None:
    base, root, _ = server
    serve(root, "consolidated.csv", "csl_v1.csv")
    url = f"{base}/consolidated.csv"
    with httpx.Client(timeout=2) as client:
        meta = fetch(client, Download(url, "c.csv"), tmp_path / "c.csv", retries=0)
        assert (tmp_path / "c.csv").read_bytes() == (FIX / "csl_v1.csv").read_bytes()
        pinned = Download(url, "c.csv", sha256=meta["sha256"])
        assert fetch(client, pinned, tmp_path / "d.csv", retries=0)["sha256"] == meta["sha256"]
        with pytest.raises(DownloadError, match="checksum mismatch"):
            fetch(client, Download(url, "c.csv", sha256="0" * 64), tmp_path / "e.csv", retries=0)
        with pytest.raises(DownloadError, match="exceeds the limit"):
            fetch(client, Download(url, "c.csv"), tmp_path / "f.csv", retries=0, max_bytes=100)


def test_source_without_download_url(store: Store) -> None:
    [r] = update(store, ["jp_meti_eul"], settings=FAST)
    assert r.state == "failed" and "no stable download URL" in r.message


def test_mirror_folder(store: Store, tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    shutil.copyfile(FIX / "csl_v1.csv", mirror / "consolidated.csv")  # publisher's file name
    (mirror / "un_sc").mkdir()  # or a folder named after the source
    shutil.copyfile(FIX / "un_small.xml", mirror / "un_sc" / "UN_consolidated.xml")
    results = {r.source: r for r in update(store, mirror=mirror, settings=FAST)}
    assert results["us_trade_csl"].state == "updated"
    assert results["un_sc"].state == "updated"
    assert results["us_ofac_sdn"].state == "skipped"  # nothing of it in the mirror
    assert store.current("un_sc").entity_count == 2
    [status] = [s for s in store.status() if s.source == "un_sc"]
    assert status.origin == "mirror" and status.basis == "published"
    # a partial OFAC set in the mirror is a failure, not a half list
    shutil.copyfile(FIX / "csl_v1.csv", mirror / "sdn.csv")
    [r] = update(store, ["us_ofac_sdn"], mirror=mirror, settings=FAST)
    assert r.state == "failed" and "lacks add.csv" in r.message
    # garbage in the mirror keeps the old snapshot
    before = store.current("us_trade_csl").id
    (mirror / "consolidated.csv").write_bytes(b"\x00\x01garbage")
    [r] = update(store, ["us_trade_csl"], mirror=mirror, settings=FAST)
    assert r.state == "failed" and store.current("us_trade_csl").id == before
    with pytest.raises(NotFoundError):
        update(store, mirror=tmp_path / "nope", settings=FAST)


@pytest.mark.integration
def test_update_serves_the_shared_files(server, store: Store, shared_data: Path) -> None:
    """The real publisher files, served over HTTP, load as the catalogue's sources."""
    base, root, _ = server
    lists = shared_data / "lists"
    ofac = catalog.get("us_ofac_sdn")
    for dl in ofac.downloads:
        shutil.copyfile(lists / "us-ofac-sdn" / dl.name, root / dl.name)
    shutil.copyfile(lists / "us-trade-csl" / "csl.csv", root / "consolidated.csv")
    ofac_local = replace(
        ofac, downloads=tuple(replace(d, url=f"{base}/{d.name}") for d in ofac.downloads)
    )
    settings = Settings(home=Path("/nonexistent"), http_timeout=30, http_retries=1)
    results = update(store, [ofac_local, csl_at(f"{base}/consolidated.csv")], settings=settings)
    assert [r.state for r in results] == ["updated", "updated"], [r.message for r in results]
    assert store.current("us_ofac_sdn").entity_count == 8976
    assert store.current("us_trade_csl").entity_count == 4226
