"""C2SP tlog-tiles paths, entry bundles and a read-only tile reader.

Why separate from log.py: the writer and the independent verifier both need the path rules and
bundle codec, but the verifier must not share the writer's in-memory state. A `TileReader`
answers "hash of aligned subtree (level, index)" for one tree size straight from the files, so
any proof or root can be recomputed from what is on disk.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

from sekisho.custody.merkle import HASH_SIZE, node_hash
from sekisho.errors import VerificationError

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes per full tile
MAX_ENTRY = 0xFFFF  # entry bundles use a uint16 length prefix


class TileError(VerificationError):
    """A tile or entry bundle is missing, has the wrong size, or does not decode."""


def encode_index(n: int) -> str:
    """Tile index as 3-digit path groups, all but the last prefixed with 'x' (x001/x234/067)."""
    if n < 0:
        raise ValueError("negative tile index")
    groups = []
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def decode_index(parts: list[str]) -> int:
    """Inverse of encode_index for path components (raises ValueError when malformed)."""
    if not parts:
        raise ValueError("empty tile index")
    n = 0
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        digits = p if last else p.removeprefix("x")
        if (not last and not p.startswith("x")) or len(digits) != 3 or not digits.isdigit():
            raise ValueError(f"bad tile path element {p!r}")
        n = n * 1000 + int(digits)
    return n


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """Relative path of a hash tile (level int) or entry bundle (level 'entries')."""
    if not 0 < width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} outside 1..256")
    base = f"tile/{level}/{encode_index(index)}"
    return base if width == TILE_WIDTH else f"{base}.p/{width}"


def tile_width(level: int, index: int, size: int) -> int:
    """Width of tile (level, index) in a tree of `size` leaves (0 = does not exist yet)."""
    span = TILE_WIDTH**level  # leaves per hash at this level
    hashes = size // span
    full = hashes // TILE_WIDTH
    if index < full:
        return TILE_WIDTH
    if index == full:
        return hashes % TILE_WIDTH
    return 0


def encode_bundle(entries: list[bytes]) -> bytes:
    out = bytearray()
    for e in entries:
        if len(e) > MAX_ENTRY:
            raise ValueError(f"entry of {len(e)} bytes exceeds the 65535-byte bundle limit")
        out += struct.pack(">H", len(e)) + e
    return bytes(out)


def decode_bundle(data: bytes, where: str = "entry bundle") -> list[bytes]:
    entries, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise TileError(f"{where}: truncated length prefix at byte {pos}")
        (n,) = struct.unpack_from(">H", data, pos)
        pos += 2
        if pos + n > len(data):
            raise TileError(f"{where}: entry {len(entries)} runs past the end of the bundle")
        entries.append(data[pos : pos + n])
        pos += n
    return entries


def split_hashes(data: bytes, where: str) -> list[bytes]:
    if len(data) % HASH_SIZE:
        raise TileError(f"{where}: {len(data)} bytes is not a whole number of hashes")
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def tile_levels(hashes: list[bytes]) -> list[list[bytes]]:
    """All 8 internal levels of a (possibly partial) tile: levels[h][i] = node of 2**h hashes."""
    levels = [hashes]
    for _ in range(TILE_HEIGHT):
        below = levels[-1]
        levels.append([node_hash(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)])
    return levels


class TileCache:
    """Small LRU of hashed tiles keyed by (level, index, width), shareable between readers of
    different tree sizes of one directory (a tile of a given width never changes)."""

    def __init__(self, maxsize: int = 512) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[tuple[int, int, int], list[list[bytes]]] = OrderedDict()

    def get(self, key: tuple[int, int, int]) -> list[list[bytes]] | None:
        value = self._data.get(key)
        if value is not None:
            self._data.move_to_end(key)
        return value

    def put(self, key: tuple[int, int, int], value: list[list[bytes]]) -> None:
        self._data[key] = value
        if len(self._data) > self.maxsize:
            self._data.popitem(last=False)


class TileReader:
    """Reads hashes of one tree size from a tlog-tiles directory (no writer state involved)."""

    def __init__(self, root: Path, size: int, cache: TileCache | None = None) -> None:
        self.root = Path(root)
        self.size = size
        self._cache = cache if cache is not None else TileCache()

    def read_tile(self, level: int, index: int) -> list[bytes]:
        width = tile_width(level, index, self.size)
        if width == 0:
            raise TileError(f"tile {level}/{index} is not part of a tree of size {self.size}")
        rel = tile_path(level, index, width)
        data = self._read(rel, width)
        return split_hashes(data, rel)

    def _read(self, rel: str, width: int) -> bytes:
        path = self.root / rel
        if width != TILE_WIDTH and not path.exists():
            # A partial tile may be pruned once the full tile exists: use its prefix.
            full = self.root / rel.rsplit(".p/", 1)[0]
            if full.exists():
                return full.read_bytes()[: width * HASH_SIZE]
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise TileError(f"{rel}: missing") from exc
        if len(data) != width * HASH_SIZE:
            raise TileError(f"{rel}: {len(data)} bytes, expected {width * HASH_SIZE}")
        return data

    def _levels(self, level: int, index: int) -> list[list[bytes]]:
        key = (level, index, tile_width(level, index, self.size))
        found = self._cache.get(key)
        if found is None:
            found = tile_levels(self.read_tile(level, index))
            self._cache.put(key, found)
        return found

    def node(self, level: int, index: int) -> bytes:
        """Hash of the complete subtree of 2**level leaves at position `index`."""
        tl, h = divmod(level, TILE_HEIGHT)
        first = index << h  # index of the first covered hash at tile level tl
        tile_index, offset = divmod(first, TILE_WIDTH)
        levels = self._levels(tl, tile_index)
        try:
            return levels[h][offset >> h]
        except IndexError as exc:
            raise TileError(
                f"node ({level}, {index}) is not complete in a tree of size {self.size}"
            ) from exc

    def read_bundle(self, index: int) -> list[bytes]:
        width = tile_width(0, index, self.size)
        if width == 0:
            raise TileError(f"entry bundle {index} is not part of a tree of size {self.size}")
        rel = tile_path("entries", index, width)
        path = self.root / rel
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise TileError(f"{rel}: missing") from exc
        entries = decode_bundle(data, rel)
        if len(entries) != width:
            raise TileError(f"{rel}: holds {len(entries)} entries, expected {width}")
        return entries

    def entries(self, start: int = 0) -> Iterator[tuple[int, bytes]]:
        """(index, entry) for every entry from `start` to the tree size."""
        for b in range(start // TILE_WIDTH, (self.size + TILE_WIDTH - 1) // TILE_WIDTH):
            for i, e in enumerate(self.read_bundle(b)):
                idx = b * TILE_WIDTH + i
                if idx >= start:
                    yield idx, e
