"""The bill of materials as Sekisho checks it: a forest of parts, stored flat.

Readers (CycloneDX, CSV) declare parts and parent→child edges in a `BomBuilder`; `build()`
validates the graph (every edge names a declared part, no cycles) and expands it into a tree.
A part shared by several parents (the same chip on two boards) is visited once per parent, so
every finding has exactly one root-to-part path. Nodes are kept in flat lists (parent index per
node) because a 100,000-part BOM must be checked in seconds with little memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sekisho.errors import InputError

MAX_NODES = 2_000_000  # expansion of shared sub-assemblies beyond this is refused, not truncated


@dataclass(slots=True)
class Part:
    """One part as the BOM describes it; `where` names its place in the file for messages.

    `essential` / `critical_technology` are the BOM author's statements for the NDAA 889
    "substantial or essential component" and "critical technology" tests (None: not stated).
    `other_names` are further party names that may reveal the real maker (brand, OEM, publisher).
    `produced` is the production date when the BOM gives one (used for ownership history);
    `purposes` the intended uses the buyer declares (`sekisho:purpose`), which matter for
    regimes that reach a vendor only for some uses.
    """

    ref: str
    name: str
    where: str
    part_number: str | None = None
    manufacturer: str | None = None
    supplier: str | None = None
    other_names: tuple[str, ...] = ()
    description: str | None = None
    quantity: float | None = None
    kind: str | None = None
    essential: bool | None = None
    critical_technology: bool | None = None
    exceptions: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    produced: str | None = None
    properties: dict[str, str] = field(default_factory=dict)

    def party_names(self) -> list[tuple[str, str]]:
        """(role, name) of every party named for this part, manufacturer first."""
        out: list[tuple[str, str]] = []
        if self.manufacturer:
            out.append(("manufacturer", self.manufacturer))
        if self.supplier:
            out.append(("supplier", self.supplier))
        out.extend(("brand/OEM", n) for n in self.other_names)
        return out


@dataclass
class Bom:
    """A checked, expanded BOM: node i has `parts[i]`, parent `parents[i]` (-1 for a root)."""

    source: str
    parts: list[Part]
    parents: list[int]
    _children: list[list[int]] | None = None

    def __len__(self) -> int:
        return len(self.parts)

    @property
    def roots(self) -> list[int]:
        return [i for i, p in enumerate(self.parents) if p < 0]

    def children(self, i: int) -> list[int]:
        if self._children is None:
            kids: list[list[int]] = [[] for _ in self.parts]
            for j, p in enumerate(self.parents):
                if p >= 0:
                    kids[p].append(j)
            self._children = kids
        return self._children[i]

    def path(self, i: int) -> list[int]:
        """Node indices from the root down to node i."""
        out = [i]
        while self.parents[out[-1]] >= 0:
            out.append(self.parents[out[-1]])
        out.reverse()
        return out

    def depth(self, i: int) -> int:
        return len(self.path(i)) - 1

    def walk(self) -> Iterator[tuple[int, int]]:
        """(node, depth) in document order, depth-first."""
        stack = [(r, 0) for r in reversed(self.roots)]
        while stack:
            i, d = stack.pop()
            yield i, d
            stack.extend((c, d + 1) for c in reversed(self.children(i)))


class BomBuilder:
    """Collects parts and edges from a reader, then validates and expands them (`build`)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.parts: dict[str, Part] = {}
        self.edges: dict[str, list[str]] = {}
        self.edge_where: dict[tuple[str, str], str] = {}
        self.has_parent: set[str] = set()

    def add_part(self, part: Part) -> None:
        if part.ref in self.parts:
            raise InputError(
                f"duplicate reference {part.ref!r} (first at {self.parts[part.ref].where})",
                file=self.source,
                field=part.where,
            )
        self.parts[part.ref] = part

    def add_edge(self, parent: str, child: str, where: str) -> None:
        """Declare that `parent` contains `child`; repeated edges are kept once."""
        if (parent, child) in self.edge_where:
            return
        self.edge_where[(parent, child)] = where
        self.edges.setdefault(parent, []).append(child)
        self.has_parent.add(child)

    def build(self) -> Bom:
        if not self.parts:
            raise InputError("the BOM holds no component", file=self.source)
        for (parent, child), where in self.edge_where.items():
            for ref, role in ((parent, "parent"), (child, "child")):
                if ref not in self.parts:
                    raise InputError(
                        f"{role} {ref!r} is not a part of this BOM", file=self.source, field=where
                    )
        self._refuse_cycles()
        roots = [ref for ref in self.parts if ref not in self.has_parent]
        parts: list[Part] = []
        parents: list[int] = []
        stack: list[tuple[str, int]] = [(r, -1) for r in reversed(roots)]
        while stack:
            ref, parent = stack.pop()
            idx = len(parts)
            if idx >= MAX_NODES:
                raise InputError(
                    f"the BOM expands to more than {MAX_NODES:,} parts (shared sub-assemblies)",
                    file=self.source,
                )
            parts.append(self.parts[ref])
            parents.append(parent)
            stack.extend((c, idx) for c in reversed(self.edges.get(ref, ())))
        return Bom(self.source, parts, parents)

    def _refuse_cycles(self) -> None:
        """Iterative three-colour DFS; a back edge is reported with the whole cycle."""
        state: dict[str, int] = {}  # 1 on the stack, 2 done
        for start in self.parts:
            if state.get(start):
                continue
            state[start] = 1
            trail = [start]
            iters = [iter(self.edges.get(start, ()))]
            while iters:
                child = next(iters[-1], None)
                if child is None:
                    state[trail.pop()] = 2
                    iters.pop()
                    continue
                s = state.get(child, 0)
                if s == 1:
                    cycle = trail[trail.index(child) :] + [child]
                    where = self.edge_where[(trail[-1], child)]
                    raise InputError(
                        "cyclic BOM: " + " -> ".join(repr(c) for c in cycle),
                        file=self.source,
                        field=where,
                    )
                if s == 0:
                    state[child] = 1
                    trail.append(child)
                    iters.append(iter(self.edges.get(child, ())))


def parse_bool(value: str, *, file: str, where: str, name: str) -> bool | None:
    """BOM flags: true/false/yes/no/1/0 (any case); empty → None; anything else is an error."""
    v = value.strip().lower()
    if not v:
        return None
    if v in ("true", "yes", "y", "1"):
        return True
    if v in ("false", "no", "n", "0"):
        return False
    raise InputError(f"{name} must be true or false, not {value!r}", file=file, field=where)


def parse_quantity(value: str, *, file: str, where: str, line: int | None = None) -> float | None:
    v = value.strip()
    if not v:
        return None
    try:
        q = float(v)
    except ValueError:
        raise InputError(
            f"quantity {value!r} is not a number", file=file, line=line, field=where
        ) from None
    if q < 0 or q != q:
        raise InputError(f"quantity {value!r} must be >= 0", file=file, line=line, field=where)
    return q
