"""One local[2] SparkSession for every test in tests/scale (starting one costs 15-40 s)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    pytest.importorskip("pyspark")
    from sekisho.scale.session import get_session

    session = get_session("local[2]")
    yield session
    session.stop()
