"""RFC 6962 / RFC 9162 Merkle tree hashing, proof generation and proof verification.

Why a node-source abstraction: the log keeps its hashes in C2SP tiles on disk, tests keep them
in memory, and the benchmark synthesises them. Proof generation only ever needs hashes of
*aligned complete subtrees* (level, index), so every store answers that one question and the
RFC 6962 recursion (PATH / SUBPROOF) is written once, here.

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) literally, with
the extra rules of transparency-dev/merkle (whose vectors we must pass): every hash is exactly
32 bytes, a consistency proof from size 0 is an error, and equal sizes need an empty proof.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from sekisho.errors import VerificationError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

# node(level, index) -> hash of the complete subtree D[index * 2**level : (index + 1) * 2**level]
NodeSource = Callable[[int, int], bytes]


class ProofError(VerificationError):
    """A Merkle proof is malformed or does not verify."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _largest_pow2_below(n: int) -> int:
    """Largest power of two strictly smaller than n (n >= 2): RFC 6962's split point k."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_pow2(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def root_of_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH over a list of leaf hashes (iterative, no recursion limit worries)."""
    if not hashes:
        return EMPTY_ROOT
    # Stack of (height, hash): merge equal-sized neighbours as in a binary counter.
    stack: list[tuple[int, bytes]] = []
    for h in hashes:
        height, cur = 0, h
        while stack and stack[-1][0] == height:
            _, left = stack.pop()
            cur = node_hash(left, cur)
            height += 1
        stack.append((height, cur))
    _, cur = stack.pop()
    while stack:
        _, left = stack.pop()
        cur = node_hash(left, cur)
    return cur


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a power-of-two run of hashes (a complete subtree)."""
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
    return level[0]


def subtree_hash(node: NodeSource, lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) for a range produced by RFC 6962's recursion (lo aligned to the split)."""
    n = hi - lo
    if n <= 0:
        raise ValueError("empty range")
    if _is_pow2(n) and lo % n == 0:
        level = n.bit_length() - 1
        return node(level, lo >> level)
    k = _largest_pow2_below(n)
    return node_hash(subtree_hash(node, lo, lo + k), subtree_hash(node, lo + k, hi))


def tree_root(node: NodeSource, size: int) -> bytes:
    """Root hash of the tree of `size` leaves."""
    return EMPTY_ROOT if size == 0 else subtree_hash(node, 0, size)


def inclusion_proof(node: NodeSource, index: int, size: int) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(index, D[0:size]), leaf sibling first."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} outside tree of size {size}")
    proof: list[bytes] = []
    lo, hi, m = 0, size, index
    # Walk down recording the sibling at each split, then reverse (leaf side first).
    while hi - lo > 1:
        k = _largest_pow2_below(hi - lo)
        if m < k:
            proof.append(subtree_hash(node, lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_hash(node, lo, lo + k))
            lo, m = lo + k, m - k
    proof.reverse()
    return proof


def consistency_proof(node: NodeSource, size1: int, size2: int) -> list[bytes]:
    """RFC 6962 §2.1.2 PROOF(size1, D[0:size2]); empty when the sizes are equal."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from {size1} to {size2}")
    if size1 == size2:
        return []
    proof: list[bytes] = []
    lo, hi, m, complete = 0, size2, size1, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                proof.append(subtree_hash(node, lo, hi))
            break
        k = _largest_pow2_below(n)
        if m <= k:
            proof.append(subtree_hash(node, lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree_hash(node, lo, lo + k))
            lo, m, complete = lo + k, m - k, False
    proof.reverse()
    return proof


def _check_hash(value: bytes, what: str) -> None:
    if not isinstance(value, bytes | bytearray) or len(value) != HASH_SIZE:
        got = len(value) if isinstance(value, bytes | bytearray) else type(value).__name__
        raise ProofError(f"{what} must be {HASH_SIZE} bytes, got {got}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 steps 1-5 without the final comparison: the implied root."""
    if index < 0 or size < 0 or index >= size:
        raise ProofError(f"leaf index {index} is not inside a tree of size {size}")
    _check_hash(leaf, "leaf hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    return r


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes] | None, root: bytes
) -> None:
    """Raise ProofError unless `proof` shows leaf `index` is in the tree (`size`, `root`)."""
    _check_hash(root, "root hash")
    got = root_from_inclusion_proof(index, size, leaf, list(proof or []))
    if got != root:
        raise ProofError("inclusion proof does not lead to the expected root hash")


def verify_consistency(
    size1: int,
    size2: int,
    proof: Sequence[bytes] | None,
    root1: bytes,
    root2: bytes,
) -> None:
    """Raise ProofError unless `proof` shows tree (size1, root1) is a prefix of (size2, root2)."""
    proof = list(proof or [])
    if size1 <= 0:
        raise ProofError("consistency proofs from an empty tree are not accepted")
    if size2 < size1:
        raise ProofError(f"second tree ({size2}) is smaller than the first ({size1})")
    if size1 == size2:
        # Nothing is hashed here: the roots are compared as opaque values, exactly as
        # transparency-dev/merkle does (its vectors accept two equal 12-byte "roots").
        # Checkpoint parsing already refuses any root that is not 32 bytes.
        if proof:
            raise ProofError("trees of equal size need an empty consistency proof")
        if root1 != root2:
            raise ProofError("trees of equal size have different root hashes")
        return
    _check_hash(root1, "first root hash")
    _check_hash(root2, "second root hash")
    for i, p in enumerate(proof):
        _check_hash(p, f"proof[{i}]")
    if not proof:
        raise ProofError("empty consistency proof between different sizes")
    path = [root1, *proof] if _is_pow2(size1) else proof
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != root1:
        raise ProofError("consistency proof does not lead to the first root hash")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the second root hash")


class MemoryTree:
    """A Merkle tree held in memory: for tests, small logs and the independent audit path."""

    def __init__(self, leaves: Sequence[bytes] = ()) -> None:
        self._levels: list[list[bytes]] = [[]]
        for h in leaves:
            self.append_hash(h)

    @property
    def size(self) -> int:
        return len(self._levels[0])

    def append(self, data: bytes) -> int:
        return self.append_hash(leaf_hash(data))

    def append_hash(self, h: bytes) -> int:
        """Append a leaf hash; complete subtrees are hashed as soon as they close."""
        _check_hash(h, "leaf hash")
        index = len(self._levels[0])
        self._levels[0].append(h)
        level, i = 0, index
        while i & 1:
            if len(self._levels) <= level + 1:
                self._levels.append([])
            below = self._levels[level]
            self._levels[level + 1].append(node_hash(below[i - 1], below[i]))
            level, i = level + 1, i >> 1
        return index

    def node(self, level: int, index: int) -> bytes:
        return self._levels[level][index]

    def root(self, size: int | None = None) -> bytes:
        return tree_root(self.node, self.size if size is None else size)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(self.node, index, self.size if size is None else size)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(self.node, size1, self.size if size2 is None else size2)


def is_valid_subtree(start: int, end: int) -> bool:
    """A subtree [start, end) of draft-ietf-plants-merkle-tree-certs: start is a multiple of the
    smallest power of two >= end - start."""
    if not 0 <= start < end:
        return False
    width = 1 << (end - start - 1).bit_length()
    return start % width == 0


def verify_subtree_inclusion(
    index: int, start: int, end: int, leaf: bytes, proof: Sequence[bytes] | None, root: bytes
) -> None:
    """Inclusion of leaf `index` in the subtree [start, end) whose hash is `root`.

    A valid subtree hashes exactly like a standalone tree of end - start leaves, so this is the
    RFC 9162 check on the shifted index.
    """
    if not is_valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")
    if not start <= index < end:
        raise ProofError(f"leaf index {index} is outside the subtree [{start}, {end})")
    verify_inclusion(index - start, end - start, leaf, proof, root)


def verify_subtree_consistency(
    start: int, end: int, size: int, proof: Sequence[bytes] | None, root1: bytes, root2: bytes
) -> None:
    """Subtree [start, end) with hash `root1` is part of the tree (size, root2).

    Implements the cases transparency-dev/merkle's vectors define: an empty subtree needs an
    empty proof and the empty-tree hash; a subtree starting at 0 is an RFC 6962 consistency
    proof from `end` to `size`. Subtrees starting elsewhere (draft-ietf-plants-merkle-tree-certs
    §4.4) are refused rather than guessed: this log never issues them.
    """
    proof = list(proof or [])
    if not 0 <= start <= end <= size:
        raise ProofError(f"subtree [{start}, {end}) is not inside a tree of size {size}")
    if start == end:
        if proof:
            raise ProofError("an empty subtree needs an empty proof")
        if root1 != EMPTY_ROOT:
            raise ProofError("an empty subtree must have the empty-tree hash")
        return
    if not is_valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")
    if start != 0:
        raise ProofError("subtree consistency proofs with a non-zero start are not supported")
    verify_consistency(end, size, proof, root1, root2)
