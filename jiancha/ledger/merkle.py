"""RFC 9162 §2.1 Merkle tree hashing and proofs (Merkle 树哈希与证明), with no Django.

Leaves are hashed as SHA-256(0x00 ‖ data) and interior nodes as SHA-256(0x01 ‖ left ‖ right), so that
a leaf can never be passed off as a node (second-preimage protection, RFC 9162 §2.1.1).

Storage model: every *perfect* subtree is addressed by ``(level, index)``: it covers the leaves
``[index·2^level, (index+1)·2^level)``. Level 0 is the leaf hashes. A proof element that is not a
perfect subtree (the tree's ragged right edge) is computed from the perfect subtrees that tile it,
so a proof needs O(log n) stored hashes and never a rebuild of the tree.

Verification follows RFC 9162 §2.1.3.2 and §2.1.4.2 exactly; a consistency check from size 0 is
refused, as in the transparency-dev reference implementation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .i18n import gettext as _

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

NodeId = tuple[int, int]
#: Reads stored hashes in one round trip: given node ids, returns their hashes.
NodeReader = Callable[[Sequence[NodeId]], Mapping[NodeId, bytes]]


class ProofError(ValueError):
    """A proof does not verify, or a request for one is malformed."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_power_of_two_below(n: int) -> int:
    """The k of RFC 9162 §2.1.1: the largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_subtrees(start: int, end: int) -> list[NodeId]:
    """Tile [start, end) with the fewest aligned perfect subtrees, left to right."""
    if not 0 <= start <= end:
        raise ProofError(_("bad range [%(start)s, %(end)s)") % {"start": start, "end": end})
    nodes: list[NodeId] = []
    while start < end:
        # The largest block that is both aligned at start and fits before end.
        level = (start & -start).bit_length() - 1 if start else 63
        while (1 << level) > end - start:
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """Combine the hashes of a tiling (left to right, decreasing sizes) into the range's MTH."""
    if not hashes:
        return EMPTY_ROOT
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PATH(index, D[size]) (RFC 9162 §2.1.3.1), bottom-up."""
    if not 0 <= index < size:
        raise ProofError(
            _("leaf index %(index)s is outside a tree of size %(size)s") % {"index": index, "size": size}
        )
    ranges: list[tuple[int, int]] = []
    lo, hi, m = 0, size, index
    while hi - lo > 1:
        k = _largest_power_of_two_below(hi - lo)
        if m < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m = lo + k, m - k
    ranges.reverse()
    return ranges


def consistency_ranges(size1: int, size2: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form PROOF(size1, D[size2]) (RFC 9162 §2.1.4.1), bottom-up."""
    if not 0 < size1 <= size2:
        raise ProofError(
            _("no consistency proof from size %(size1)s to size %(size2)s") % {"size1": size1, "size2": size2}
        )
    if size1 == size2:
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, m, whole = 0, size2, size1, True
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                ranges.append((lo, hi))
            break
        k = _largest_power_of_two_below(n)
        if m <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo, m, whole = lo + k, m - k, False
    ranges.reverse()
    return ranges


def hash_ranges(ranges: Sequence[tuple[int, int]], read: NodeReader) -> list[bytes]:
    """MTH of each leaf range, from the stored perfect subtrees that tile them, in one read."""
    return _hash_ranges(ranges, read)


def _hash_ranges(ranges: Sequence[tuple[int, int]], read: NodeReader) -> list[bytes]:
    tilings = [perfect_subtrees(lo, hi) for lo, hi in ranges]
    wanted = sorted({node for tiling in tilings for node in tiling})
    stored = read(wanted) if wanted else {}
    missing = [node for node in wanted if node not in stored]
    if missing:
        raise ProofError(_("stored hashes missing for nodes %(missing)s") % {"missing": missing[:5]})
    return [fold_right([stored[node] for node in tiling]) for tiling in tilings]


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    return _hash_ranges(inclusion_ranges(index, size), read)


def consistency_proof(size1: int, size2: int, read: NodeReader) -> list[bytes]:
    return _hash_ranges(consistency_ranges(size1, size2), read)


def root_at(size: int, read: NodeReader) -> bytes:
    """MTH(D[size]) from the O(log n) perfect subtrees that tile the tree."""
    if size == 0:
        return EMPTY_ROOT
    return _hash_ranges([(0, size)], read)[0]


def _check_hash(value: bytes, what: str) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(
            _("%(what)s is %(length)d bytes, not %(expected)d")
            % {"what": what, "length": len(value), "expected": HASH_SIZE}
        )


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.3.2 steps 1–6: the root that a leaf and its audit path imply."""
    if index >= size or index < 0:
        raise ProofError(
            _("leaf index %(index)s is outside a tree of size %(size)s") % {"index": index, "size": size}
        )
    _check_hash(leaf, "leaf hash")
    fn, sn, r = index, size - 1, leaf
    for position, p in enumerate(proof):
        _check_hash(p, f"proof element {position}")
        if sn == 0:
            raise ProofError(_("the inclusion proof is too long"))
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(_("the inclusion proof is too short"))
    return r


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> None:
    """Raise ProofError unless ``proof`` shows leaf ``index`` with hash ``leaf`` in the tree ``root``."""
    _check_hash(root, "root hash")
    if root_from_inclusion_proof(index, size, leaf, proof) != root:
        raise ProofError(_("the inclusion proof does not lead to the root"))


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> None:
    """Raise ProofError unless ``proof`` shows the tree (size2, root2) extends (size1, root1)."""
    if size1 < 0 or size2 < 0:
        raise ProofError(_("tree sizes cannot be negative"))
    if size1 > size2:
        raise ProofError(
            _("the tree shrank from size %(size1)s to %(size2)s") % {"size1": size1, "size2": size2}
        )
    if size1 == 0:
        raise ProofError(_("a consistency proof from the empty tree proves nothing"))
    if size1 == size2:
        if proof:
            raise ProofError(_("trees of equal size need an empty consistency proof"))
        # Equal sizes need no hashing: the roots must simply be the same (the reference vectors
        # accept this even for placeholder roots that are not 32 bytes).
        if root1 != root2:
            raise ProofError(_("two different roots for the same size %(size1)s") % {"size1": size1})
        return
    _check_hash(root1, "first root")
    _check_hash(root2, "second root")
    for position, p in enumerate(proof):
        _check_hash(p, f"proof element {position}")
    path = list(proof)
    if not path:
        raise ProofError(_("the consistency proof is empty"))
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError(_("the consistency proof is too long"))
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError(_("the consistency proof is too short"))
    if fr != root1:
        raise ProofError(_("the consistency proof does not lead to the first root"))
    if sr != root2:
        raise ProofError(_("the consistency proof does not lead to the second root"))


def interior_node_seq(level: int, index: int) -> int:
    """Storage position of interior node (level ≥ 1, index), in the order appends create them.

    After n leaves a tree has n − popcount(n) interior perfect subtrees; appending leaf m creates
    one node per trailing zero bit of m + 1, lowest level first. Numbering them this way makes
    the node table append-only with a plain integer key and lets a verifier stream it in order.
    """
    if level < 1 or index < 0:
        raise ValueError("interior nodes have level ≥ 1")
    last_leaf = ((index + 1) << level) - 1
    return last_leaf - last_leaf.bit_count() + level - 1


@dataclass
class Frontier:
    """The compact range of [0, size): the hashes of the perfect subtrees that tile it.

    Appending a leaf returns the interior nodes it completes, so a writer stores each node once
    and a verifier can recompute the tree in one pass with O(log n) memory.
    """

    size: int = 0
    hashes: list[bytes] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.hashes) != self.size.bit_count():
            raise ValueError(f"a frontier of size {self.size} holds {self.size.bit_count()} hashes")

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf hash; return the (level, index, hash) of each interior node it completes."""
        created: list[tuple[int, int, bytes]] = []
        current = leaf
        merged = self.size
        level = 0
        hashes = self.hashes
        while merged & 1:
            current = node_hash(hashes.pop(), current)
            level += 1
            merged >>= 1
            created.append((level, (self.size + 1 >> level) - 1, current))
        hashes.append(current)
        self.size += 1
        return created

    def root(self) -> bytes:
        return fold_right(self.hashes)

    def nodes(self) -> list[NodeId]:
        return perfect_subtrees(0, self.size)


class MemoryTree:
    """A whole tree in memory: for tests and for the offline verifier's small exports."""

    def __init__(self, leaves: Iterable[bytes] = ()) -> None:
        self.levels: list[list[bytes]] = [[]]
        self.frontier = Frontier()
        for leaf in leaves:
            self.append(leaf)

    @property
    def size(self) -> int:
        return self.frontier.size

    def append(self, leaf: bytes) -> None:
        self.levels[0].append(leaf)
        for level, index, value in self.frontier.append(leaf):
            if len(self.levels) <= level:
                self.levels.append([])
            assert len(self.levels[level]) == index
            self.levels[level].append(value)

    def read(self, nodes: Sequence[NodeId]) -> dict[NodeId, bytes]:
        found: dict[NodeId, bytes] = {}
        for level, index in nodes:
            if level < len(self.levels) and index < len(self.levels[level]):
                found[(level, index)] = self.levels[level][index]
        return found

    def root(self, size: int | None = None) -> bytes:
        return root_at(self.size if size is None else size, self.read)

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        return inclusion_proof(index, self.size if size is None else size, self.read)

    def consistency_proof(self, size1: int, size2: int | None = None) -> list[bytes]:
        return consistency_proof(size1, self.size if size2 is None else size2, self.read)
