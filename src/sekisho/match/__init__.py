"""Name matching: normalisation, pairwise comparison and candidate retrieval.

`compare(query, candidate, schema=None) -> Comparison(score, features, explanation)` is pure and
deterministic; a pair scoring at least `DEFAULT_THRESHOLD` is a match. `NameIndex` finds the
few listed names worth comparing without scanning every list.
"""


def _load_compare() -> None:
    """Import compare.py itself when a compiled build of it (scripts/build_native.sh, optional)
    is present but was not made from this very file, or SEKISHO_PURE_PYTHON is set: a stale
    extension would score by outdated rules. Without an extension the import is the usual."""
    import importlib.util
    import sys
    from pathlib import Path

    name = f"{__name__}.compare"
    spec = importlib.util.find_spec(name)
    if name in sys.modules or spec is None or not (spec.origin or "").endswith(".so"):
        return
    import hashlib
    import os
    import warnings

    source = Path(__file__).with_name("compare.py")
    stamp = source.with_name("compare.native-stamp")
    built_from = stamp.read_text().strip() if stamp.is_file() else ""
    if not os.environ.get("SEKISHO_PURE_PYTHON"):
        if built_from == hashlib.sha256(source.read_bytes()).hexdigest():
            return  # the compiled module is this compare.py
        warnings.warn(
            "the compiled sekisho.match.compare was built from another compare.py: using the "
            "Python source (run scripts/build_native.sh again, or --clean)",
            stacklevel=2,
        )
    spec = importlib.util.spec_from_file_location(name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)


_load_compare()

from sekisho.match.compare import DEFAULT_THRESHOLD, Comparison, compare  # noqa: E402

__all__ = ["DEFAULT_THRESHOLD", "Comparison", "NameIndex", "compare"]


def __getattr__(name: str):
    if name == "NameIndex":  # lazy: the index pulls in more than compare() needs
        from sekisho.match.index import NameIndex

        return NameIndex
    raise AttributeError(name)
