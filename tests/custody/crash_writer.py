"""Child process for the crash test: append forever, print each index only once it is durable."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from sekisho.custody.log import TileLog


def main() -> None:
    root, seed = Path(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(seed)
    log = TileLog.open(root)
    n = log.size
    while True:
        batch = [f"entry-{n + i}".encode() * rng.randint(1, 40) for i in range(rng.randint(1, 300))]
        indexes = log.append_batch(batch)
        # acknowledged: the batch's checkpoint is on disk
        sys.stdout.write("".join(f"{i} {len(e)}\n" for i, e in zip(indexes, batch, strict=True)))
        sys.stdout.flush()
        n += len(batch)


if __name__ == "__main__":
    main()
