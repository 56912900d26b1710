"""Loading through mappings: validation, bad rows with line and column, strict mode."""

from __future__ import annotations

import pytest

from sekisho.customs.load import get_mapping, load
from sekisho.errors import InputError


def test_kr_small_bad_rows_reported_with_line_and_column(fixtures):
    path = fixtures / "customs" / "kr_small.csv"
    frame, report = load(path, "kr-customs")
    assert report.rows_read == 12
    bad = {(i.line, i.column): i.reason for i in report.issues}
    assert bad[(4, "Date")].startswith("not a date")  # 2020-13-05 on line 4
    assert bad[(5, "HS6 Code")] == "HS code is not digits"
    assert bad[(6, "Net Mass")] == "negative value"
    assert bad[(7, "Item Price")] == "not a number"
    assert bad[(8, "HS6 Code")] == "HS code longer than 6 digits"
    assert bad[(11, "HS6 Code")] == "required value is empty"
    assert bad[(12, "Country of Departure")].startswith("not an ISO")
    assert bad[(13, "Fraud")].startswith("must be one of")
    assert report.bad_rows == 8
    assert report.rows_loaded == len(frame) == 4  # nothing dropped silently: 12 = 4 + 8
    assert frame["hs"].tolist() == ["854231", "090300", "851762", "851762"]  # zero-padded
    assert frame["source_line"].tolist() == [2, 3, 9, 10]
    assert "kr_small.csv:4" in report.summary()


def test_strict_raises_input_error_naming_file_line_field(fixtures):
    path = fixtures / "customs" / "kr_small.csv"
    with pytest.raises(InputError) as exc:
        load(path, "kr-customs", strict=True)
    assert exc.value.line == 4 and exc.value.field == "Date"
    assert "kr_small.csv:4" in str(exc.value)
    assert exc.value.exit_code == 2


def test_custom_mapping_file_with_date_format_and_hs_width(fixtures):
    m = get_mapping(str(fixtures / "customs" / "mapping.json"))
    frame, report = load(fixtures / "customs" / "mini.csv", m)
    assert [(i.line, i.column) for i in report.issues] == [(3, "day"), (4, "tariff")]
    assert report.issues[0].reason.startswith("not a date")  # 31/02/2024 does not exist
    assert report.issues[1].reason == "HS code longer than 10 digits"
    assert frame["hs"].tolist() == ["0000854231"]  # dot removed, zero-padded to 10
    assert frame["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-02"]


def test_missing_required_column_is_a_format_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("Declaration ID,Date\n1,2020-01-01\n")
    with pytest.raises(InputError) as exc:
        load(p, "kr-customs")
    assert "missing required column" in str(exc.value) and exc.value.line == 1


def test_unknown_mapping_and_missing_file():
    with pytest.raises(InputError):
        get_mapping("nope")
    with pytest.raises(InputError):
        load("/nonexistent/file.csv", "kr-customs")


def test_parquet_round_trip(fixtures, tmp_path):
    import pandas as pd

    raw = pd.read_csv(fixtures / "customs" / "kr_small.csv", dtype=str, keep_default_na=False)
    p = tmp_path / "kr.parquet"
    raw.to_parquet(p)
    frame, report = load(p, "kr-customs")
    assert len(frame) == 4 and report.bad_rows == 8
    assert min(i.line for i in report.issues) == 3  # Parquet: 1-based row number
