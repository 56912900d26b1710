"""The SparkSession factory: local by default, loopback only, no UI, few shuffle partitions."""

from __future__ import annotations

import pytest

from sekisho.errors import SekishoError
from sekisho.scale.session import MASTER_ENV, default_master, local_cores


def test_master_parsing(monkeypatch: pytest.MonkeyPatch):
    assert local_cores("local") == 1 and local_cores("local[3]") == 3
    assert local_cores("local[*]") >= 1 and local_cores("local[2,4]") == 2
    assert local_cores("spark://host:7077") is None
    with pytest.raises(SekishoError, match="bad Spark master"):
        local_cores("local[x]")
    monkeypatch.setenv(MASTER_ENV, "spark://cluster:7077")
    assert default_master() == "spark://cluster:7077"
    monkeypatch.delenv(MASTER_ENV)
    assert default_master().startswith("local[")


@pytest.mark.slow
def test_local_session_is_quiet_and_loopback_only(spark):
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert conf.get("spark.sql.shuffle.partitions") == "4"  # local[2]: two per core
    assert spark.sparkContext.master == "local[2]"
