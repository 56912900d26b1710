"""`sekisho custody ...` end to end through the real CLI entry point."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from sekisho.custody import note


def _w(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value) if not isinstance(value, str) else value)
    return path


def test_cli_flow(cli, tmp_path: Path, home: Path) -> None:
    r = cli("custody", "init", "--name", "example.com/custody")
    assert r.code == 0, r.stderr
    log_vkey = r.stdout.strip()
    assert note.parse_vkey(log_vkey).name == "example.com/custody"
    assert (home / "custody" / "checkpoint").exists()

    r = cli("custody", "keygen", "maker.example", "--out", str(tmp_path / "maker"))
    assert r.code == 0 and (tmp_path / "maker.skey").stat().st_mode & 0o777 == 0o600
    maker_vkey = r.stdout.strip()
    dev_vkey = cli("custody", "keygen", "gpu1.example").stdout.strip().splitlines()[-1]
    party = _w(
        tmp_path / "maker.json",
        {"id": "urn:p:maker", "name": "Maker Inc", "country": "US", "key": maker_vkey},
    )
    assert cli("custody", "register-party", str(party)).code == 0
    device = _w(
        tmp_path / "dev.json",
        {
            "device": "urn:epc:id:sgtin:1.2.3",
            "serial": "3",
            "model": "G",
            "eccn": "3A090.a",
            "manufacturer": "urn:p:maker",
            "key": dev_vkey,
            "eventTime": "2026-02-01T00:00:00Z",
        },
    )
    r = cli("custody", "register-device", str(device), "--key", str(tmp_path / "maker.skey"))
    assert r.code == 0, r.stderr
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-02-02T00:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sgtin:1.2.3"],
        "action": "OBSERVE",
        "bizStep": "shipping",
        "destinationList": [{"type": "possessing_party", "destination": "urn:p:buyer"}],
    }
    r = cli(
        "custody",
        "record",
        str(_w(tmp_path / "ev.json", event)),
        "--key",
        str(tmp_path / "maker.skey"),
    )
    assert r.code == 0, r.stderr
    idx = json.loads(r.stdout)["index"]
    assert idx == 2

    r = cli("custody", "proof", str(idx), "--out", str(tmp_path / "r.tlog-proof"))
    assert r.code == 0
    r = cli("custody", "verify", str(tmp_path / "r.tlog-proof"), "--key", log_vkey)
    assert r.code == 0 and "OK: entry 2" in r.stdout and "shipping" in r.stdout
    r = cli("custody", "verify", str(tmp_path / "r.tlog-proof"), "--key", maker_vkey)
    assert r.code == 3 and "checkpoint" in r.stderr
    assert cli("custody", "audit").code == 0
    r = cli("custody", "alerts", "--json")
    assert r.code == 0

    # bad input: exit 2, nothing appended
    size_before = (home / "custody" / "checkpoint").read_bytes()
    bad_json = _w(tmp_path / "bad.json", '{"type": "ObjectEvent", ')
    r = cli("custody", "record", str(bad_json), "--key", str(tmp_path / "maker.skey"))
    assert r.code == 2 and "bad.json:1" in r.stderr and "malformed JSON" in r.stderr
    unknown = dict(event, epcList=["urn:epc:id:sgtin:9.9.9"])
    r = cli(
        "custody",
        "record",
        str(_w(tmp_path / "u.json", unknown)),
        "--key",
        str(tmp_path / "maker.skey"),
    )
    assert r.code == 2 and "unknown device" in r.stderr
    other = tmp_path / "other"
    cli("custody", "keygen", "maker.example", "--out", str(other))
    r = cli(
        "custody",
        "record",
        str(_w(tmp_path / "e2.json", dict(event, eventTime="2026-02-03T00:00:00Z"))),
        "--key",
        str(tmp_path / "other.skey"),
    )
    assert r.code == 2 and "unknown signer" in r.stderr
    extra = (tmp_path / "r.tlog-proof").read_text().split("\n")[1].removeprefix("extra ")
    signed = json.loads(base64.b64decode(extra))  # the logged statement, to forge a copy of
    signed["event"]["bizStep"] = "receiving"
    r = cli("custody", "record", str(_w(tmp_path / "forged.json", signed)))
    assert r.code == 2 and "signature" in r.stderr
    bad_event = dict(event, eventTime="2026-13-45")
    r = cli(
        "custody",
        "record",
        str(_w(tmp_path / "t.json", bad_event)),
        "--key",
        str(tmp_path / "maker.skey"),
    )
    assert r.code == 2 and "eventTime" in r.stderr
    r = cli(
        "custody", "record", str(_w(tmp_path / "e3.json", event)), "--key", "PRIVATE+KEY+garbage"
    )
    assert r.code == 2
    assert (home / "custody" / "checkpoint").read_bytes() == size_before


def test_cli_demo(cli, tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = cli("custody", "demo", str(out), "--devices", "30")
    assert r.code == 0, r.stderr
    vkey = r.stdout.strip()
    assert note.parse_vkey(vkey)
    assert (out / "checkpoint").exists() and (out / "tile" / "entries").is_dir()
    r = cli(
        "custody",
        "alerts",
        "--log",
        str(out),
        "--restricted",
        str(out / "restricted.txt"),
        "--json",
    )
    kinds = sorted(json.loads(line)["kind"] for line in r.stdout.splitlines())
    assert kinds == sorted(
        [
            "receipt_mismatch",
            "outside_licence",
            "outside_licence",
            "restricted_holder",
            "duplicate_commissioning",
            "device_dark",
        ]
    )
    r = cli("custody", "audit", "--log", str(out), "--key", vkey)
    assert r.code == 0 and "OK" in r.stdout
    assert cli("custody", "demo", str(out)).code == 2  # not empty
