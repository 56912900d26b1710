"""A SparkSession for Sekisho's batch jobs: local by default, quiet, loopback-only.

Why these settings: the jobs run on a compliance officer's laptop as often as on a cluster.
Locally we want no web UI, no log noise, few shuffle partitions (the default 200 costs more in
task start-up than the work they do) and nothing listening beyond 127.0.0.1. The Python
workers must run the interpreter that has sekisho installed, so PYSPARK_PYTHON is pinned to
ours unless the caller set it. `SEKISHO_SPARK_MASTER` (or `master=`) points at a cluster; the
executors there need sekisho installed in their Python too.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from sekisho.errors import SekishoError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

MASTER_ENV = "SEKISHO_SPARK_MASTER"
APP_NAME = "sekisho"

_LOG4J = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
logger.submit.name = org.apache.spark.deploy.SparkSubmit
logger.submit.level = error
logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer
logger.gateway.level = error
"""


def default_master() -> str:
    """`$SEKISHO_SPARK_MASTER`, else local mode with one thread per core."""
    return os.environ.get(MASTER_ENV) or f"local[{os.cpu_count() or 1}]"


def local_cores(master: str) -> int | None:
    """Thread count of a local master ("local[2]" → 2, "local[*]" → cores); None for a cluster."""
    if master == "local":
        return 1
    if master.startswith("local[") and master.endswith("]"):
        inner = master[6:-1].split(",")[0].strip()
        if inner == "*":
            return os.cpu_count() or 1
        if inner.isdigit() and int(inner) > 0:
            return int(inner)
        raise SekishoError(f"bad Spark master {master!r}: use local[N], local[*] or a URL")
    return None


def _log4j_file() -> Path:
    """A log4j2 config that keeps the JVM to errors only (written once per user)."""
    path = Path(tempfile.gettempdir()) / f"sekisho-log4j2-{os.getuid()}.properties"
    if not path.is_file() or path.read_text(encoding="utf-8") != _LOG4J:
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_text(_LOG4J, encoding="utf-8")
        os.replace(tmp, path)
    return path


def get_session(master: str | None = None, *, app_name: str = APP_NAME,
                conf: dict[str, str] | None = None) -> SparkSession:
    """Start (or reuse) the SparkSession; raises SekishoError when pyspark is not installed."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # the [spark] extra is optional
        raise SekishoError("pyspark is not installed: pip install 'sekisho[spark]'") from exc

    # pyspark 4 warns on import that pandas 3 is not fully supported; our jobs use pandas only
    # through Arrow batches (mapInPandas), which the tests exercise
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    warnings.filterwarnings("ignore", message="The copy keyword is deprecated",
                            module="pyspark")
    master = master or default_master()
    cores = local_cores(master)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    log4j = f"-Dlog4j2.configurationFile=file:{_log4j_file()}"
    settings: dict[str, str] = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": log4j,
        "spark.executor.extraJavaOptions": log4j,
        "spark.python.worker.reuse": "true",  # keeps the per-process screener cache alive
        "spark.sql.session.timeZone": "UTC",
    }
    if cores is not None:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("SPARK_LOCAL_HOSTNAME", "localhost")
        settings.update({
            "spark.driver.memory": "2g",  # local mode: the executors live in the driver JVM
            "spark.driver.host": "127.0.0.1",
            "spark.driver.bindAddress": "127.0.0.1",
            "spark.sql.shuffle.partitions": str(max(2, cores * 2)),
            "spark.default.parallelism": str(max(2, cores * 2)),
        })
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def parallelism(spark: SparkSession) -> int:
    """How many partitions keep every core busy (at least 2)."""
    return max(2, int(spark.sparkContext.defaultParallelism))
