"""Name matching: normalisation, pairwise comparison and candidate retrieval.

`compare(query, candidate, schema=None) -> Comparison(score, features, explanation)` is pure and
deterministic; a pair scoring at least `DEFAULT_THRESHOLD` is a match. `NameIndex` finds the
few listed names worth comparing without scanning every list.
"""

from sekisho.match.compare import DEFAULT_THRESHOLD, Comparison, compare

__all__ = ["DEFAULT_THRESHOLD", "Comparison", "NameIndex", "compare"]


def __getattr__(name: str):
    if name == "NameIndex":  # lazy: the index pulls in more than compare() needs
        from sekisho.match.index import NameIndex

        return NameIndex
    raise AttributeError(name)
