"""The review UI in a real browser (Debian chromium through Playwright) against a real
uvicorn server: screen a name, check a transaction, open the decision, record a review
action, and find it on the audit trail page.

Screenshots of every page go to $SEKISHO_SCREENSHOTS when set (never into the repo).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from sekisho.api import create_app
from sekisho.lists.store import Store
from sekisho.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHROMIUM = os.environ.get("SEKISHO_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
REVIEW_KEY = "ui-review-key-0123456789abcdef"

pytestmark = pytest.mark.slow  # a real browser: ~20 s
playwright_api = pytest.importorskip("playwright.sync_api",
                                     reason="playwright is not installed (pip install playwright)")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = tmp_path_factory.mktemp("ui-home")
    settings = Settings.load(home=home)
    # one fresh list of ours, one stale list: the dashboard must show the stale one in red
    Store.open(settings).load([FIXTURES / "api" / "custom_watch.csv",
                               FIXTURES / "store" / "csl_v1.csv"])
    (home / "api-keys").write_text(f"rita:reviewer:{REVIEW_KEY}\n")
    app = create_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def page(base_url: str) -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
        pg = context.new_page()
        pg.set_default_timeout(30_000)
        pg.console_errors = []  # CSP violations and script errors end up here
        pg.on("console", lambda m: m.type == "error" and pg.console_errors.append(m.text))
        yield pg
        context.close()
        browser.close()


def shot(page: object, name: str) -> None:
    folder = os.environ.get("SEKISHO_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_review_flow(page: object) -> None:
    expect = playwright_api.expect
    # not signed in: the UI sends us to the login page
    page.goto("/ui/")
    page.wait_for_url("**/ui/login?next=/ui/")
    shot(page, "0-login")
    page.fill("input[name=key]", "wrong-key-0123456789")
    page.click("button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("not valid")
    page.fill("input[name=key]", REVIEW_KEY)
    page.click("button[type=submit]")

    # dashboard: the stale CSL is red, our list is fresh
    expect(page.locator("h1")).to_have_text("Dashboard")
    stale_row = page.locator("tr.state-stale", has_text="us_trade_csl")
    expect(stale_row).to_be_visible()
    assert "rgb(180, 35, 24)" in stale_row.locator("td").first.evaluate(
        "e => getComputedStyle(e).color")
    expect(page.locator("tr.state-fresh", has_text="custom_watch")).to_be_visible()
    expect(page.locator(".tile.bad").first).to_contain_text("Incomplete")
    shot(page, "1-dashboard")

    # screen a name: htmx swaps the results in, with explanations; stale list => review
    page.click("nav >> text=Screen")
    page.fill("input[name=name]", "Huawei Technologies")
    page.fill("input[name=country]", "CN")
    page.click("form.row-form button[type=submit]")
    results = page.locator("#results .result")
    expect(results).to_contain_text("Huawei Technologies Co. Ltd.")
    expect(results.locator("td.why").first).to_contain_text("'HUAWEI' = 'HUAWEI'")
    expect(results.locator(".alert").first).to_contain_text("us_trade_csl is stale")
    expect(results.locator(".badge.o-review")).to_be_visible()
    assert page.url.endswith("/ui/screen")  # swapped in place, no navigation
    shot(page, "2-screen")

    # check a transaction: the example is pre-filled; the decision page opens
    page.click("nav >> text=Check")
    shot(page, "3-check")
    page.click("form button[type=submit]")
    page.wait_for_url("**/ui/decisions/dec_*")
    expect(page.locator("h1")).to_contain_text("tx-demo-1")
    expect(page.locator("table.reasons")).to_contain_text("Huawei")
    expect(page.locator("dl.facts")).to_contain_text("Policy version")
    expect(page.locator("dl.facts")).to_contain_text("custom_watch")
    decision_url = page.url

    # decisions list links to it
    page.click("nav >> text=Decisions")
    expect(page.locator("table.decisions")).to_contain_text("tx-demo-1")
    expect(page.locator("table.decisions")).to_contain_text("not reviewed")
    shot(page, "4-decisions")
    page.click("table.decisions a.open")
    assert page.url == decision_url

    # replay: the recorded snapshots and policy give the same answer
    page.click("button:has-text('Replay')")
    expect(page.locator("p.replayed")).to_contain_text("same answer")

    # a review without comment is refused by the browser (required); with one it is recorded
    page.fill("textarea[name=comment]", "End user is Huawei: escalated to the export control officer.")
    page.click("button[value=escalate]")
    page.wait_for_url("**#reviews")
    expect(page.locator("ol.timeline")).to_contain_text("escalate")
    expect(page.locator("ol.timeline")).to_contain_text("rita")
    shot(page, "5-decision")

    # the audit trail shows it, and the hash chain verifies
    page.click("nav >> text=Audit trail")
    row = page.locator("table.audit tr.a-decision-review").first
    expect(row).to_contain_text("rita")
    expect(row).to_contain_text("escalated to the export control officer")
    expect(page.locator(".badge.o-clear")).to_contain_text("hash chain verified")
    expect(page.locator("table.audit")).to_contain_text("decision.add")
    expect(page.locator("table.audit")).to_contain_text("decision.replay")
    shot(page, "6-audit")

    # the dashboard lists the decision with its review state
    page.click("nav >> text=Dashboard")
    expect(page.locator("section.card", has_text="Recent decisions")).to_contain_text("escalated")
    shot(page, "7-dashboard-after")
    # 4xx pages (the wrong key above) log "Failed to load resource"; nothing else may
    errors = [e for e in page.console_errors if "Failed to load resource" not in e]
    assert errors == []


def test_bad_transaction_shows_the_field(page: object) -> None:
    expect = playwright_api.expect
    page.goto("/ui/check")
    page.fill("textarea[name=transaction]", '{"id": "t", "exporter": {"name": "A", "country": "TW"}, '
              '"parties": [{"role": "buyer", "name": "B", "country": "Narnia"}], '
              '"items": [{"description": "x", "eccn": "EAR99"}]}')
    page.click("form button[type=submit]")
    expect(page.locator(".alert")).to_contain_text("parties[0].country")


def test_bad_country_in_screen_form_is_shown_in_place(page: object) -> None:
    expect = playwright_api.expect
    page.goto("/ui/screen")
    page.fill("input[name=name]", "ACME")
    page.fill("input[name=country]", "Atlantis")
    page.click("form.row-form button[type=submit]")
    expect(page.locator("#results .alert")).to_contain_text("unknown country 'Atlantis'")
    expect(page.locator("#results .alert")).to_contain_text("country")
