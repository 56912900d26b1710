"""Run nomenklatura's matchers on name pairs (executed by /work/bench-venv/bin/python only).

stdin: JSON list of [schema, name1, name2]; stdout: JSON {algorithm: {"scores": [...],
"seconds": float, "threshold": float}}. Kept separate because nomenklatura is not (and must
not become) a Sekisho dependency.
"""

import gc
import json
import sys
import time

from followthemoney import model
from nomenklatura.matching import LogicV1, LogicV2


def entity(schema: str, name: str, idx: str):
    proxy = model.make_entity(schema if schema in model.schemata else "LegalEntity")
    proxy.id = idx
    proxy.add("name", name)
    return proxy


def main() -> None:
    pairs = json.load(sys.stdin)
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    ents = [(entity(s, a, f"q{i}"), entity(s, b, f"c{i}")) for i, (s, a, b) in enumerate(pairs)]
    out = {}
    for algo in (LogicV2, LogicV1):
        config = algo.default_config()
        scores = [algo.compare(q, c, config).score for q, c in ents]
        gc.collect()  # as match_speed.py does before its timed passes
        t = time.process_time()
        for _ in range(repeat):
            for q, c in ents:
                algo.compare(q, c, config)
        seconds = time.process_time() - t
        out[algo.NAME] = {
            "scores": scores,
            "seconds": seconds,
            "pairs": len(ents) * repeat,
            "threshold": 0.7,
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
