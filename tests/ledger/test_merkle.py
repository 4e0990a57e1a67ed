"""RFC 9162 conformance: the transparency-dev vectors in ../shared/data/merkle-vectors, read in place."""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

import pytest

from jiancha.ledger import merkle
from jiancha.ledger.merkle import Frontier, MemoryTree, ProofError, interior_node_seq

TREE_LEAVES = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def _vectors(shared_data: Path, kind: str) -> list[Path]:
    files = sorted((shared_data / "merkle-vectors" / kind).glob("**/*.json"))
    assert files, f"no {kind} vectors found"
    return files


def _decode(value: str | None) -> bytes:
    return base64.b64decode(value or "", validate=True)


def _raises(check) -> bool:
    try:
        check()
    except (ProofError, binascii.Error):
        return True
    return False


def test_vector_folders_hold_the_documented_counts(shared_data):
    assert len(_vectors(shared_data, "inclusion")) == 98
    assert len(_vectors(shared_data, "consistency")) == 98


def test_every_inclusion_vector(shared_data):
    failures = []
    for path in _vectors(shared_data, "inclusion"):
        case = json.loads(path.read_text())

        def check(case=case):
            proof = [_decode(p) for p in case["proof"] or []]
            merkle.verify_inclusion(
                case["leafIdx"], case["treeSize"], _decode(case["leafHash"]), proof, _decode(case["root"])
            )

        if _raises(check) != case["wantErr"]:
            failures.append(f"{path.relative_to(shared_data)}: {case['desc']}")
    assert failures == []


def test_every_consistency_vector(shared_data):
    failures = []
    for path in _vectors(shared_data, "consistency"):
        case = json.loads(path.read_text())

        def check(case=case):
            proof = [_decode(p) for p in case["proof"] or []]
            merkle.verify_consistency(
                case["size1"], case["size2"], _decode(case["root1"]), _decode(case["root2"]), proof
            )

        if _raises(check) != case["wantErr"]:
            failures.append(f"{path.relative_to(shared_data)}: {case['desc']}")
    assert failures == []


def test_generated_proofs_equal_the_happy_path_vectors(shared_data):
    tree = MemoryTree(merkle.leaf_hash(bytes.fromhex(leaf)) for leaf in TREE_LEAVES)
    checked = 0
    for path in _vectors(shared_data, "inclusion") + _vectors(shared_data, "consistency"):
        case = json.loads(path.read_text())
        if case["wantErr"]:
            continue
        expected = [_decode(p) for p in case["proof"] or []]
        if (
            "leafIdx" in case
            and case["treeSize"] <= tree.size
            and _decode(case["leafHash"]) == tree.levels[0][case["leafIdx"]]
        ):
            assert tree.inclusion_proof(case["leafIdx"], case["treeSize"]) == expected, path
            checked += 1
        elif (
            "size1" in case
            and case["size1"] > 0
            and case["size2"] <= tree.size
            and _decode(case["root2"]) == tree.root(case["size2"])
        ):
            assert tree.consistency_proof(case["size1"], case["size2"]) == expected, path
            checked += 1
    assert checked > 0


def test_roots_of_the_reference_tree():
    tree = MemoryTree()
    for size, leaf in enumerate(TREE_LEAVES, start=1):
        tree.append(merkle.leaf_hash(bytes.fromhex(leaf)))
        assert tree.root().hex() == ROOTS[size - 1]
        assert tree.frontier.root().hex() == ROOTS[size - 1]
    assert merkle.root_at(0, tree.read) == merkle.EMPTY_ROOT


def test_reference_single_hashes():
    assert (
        merkle.leaf_hash(b"L123456").hex()
        == "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert (
        merkle.node_hash(b"N123", b"N456").hex()
        == "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_every_proof_of_a_ragged_tree_verifies_and_breaks_when_changed():
    tree = MemoryTree(merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(37))
    for size in range(1, 38):
        root = tree.root(size)
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            merkle.verify_inclusion(index, size, tree.levels[0][index], proof, root)
            if proof:
                bad = [proof[0][:-1] + bytes([proof[0][-1] ^ 1]), *proof[1:]]
                with pytest.raises(ProofError):
                    merkle.verify_inclusion(index, size, tree.levels[0][index], bad, root)
        for first in range(1, size + 1):
            merkle.verify_consistency(
                first, size, tree.root(first), root, tree.consistency_proof(first, size)
            )


def test_proof_requests_outside_the_tree_are_refused():
    tree = MemoryTree(merkle.leaf_hash(bytes([i])) for i in range(5))
    with pytest.raises(ProofError):
        tree.inclusion_proof(5, 5)
    with pytest.raises(ProofError):
        tree.consistency_proof(0, 5)
    with pytest.raises(ProofError):
        tree.consistency_proof(4, 3)


def test_interior_nodes_are_numbered_in_the_order_they_are_created():
    frontier = Frontier()
    created = [
        interior_node_seq(level, index) for i in range(300) for level, index, _ in frontier.append(bytes(32))
    ]
    assert created == list(range(len(created)))
    assert len(created) == 300 - (300).bit_count()


def test_perfect_subtrees_tile_a_range():
    assert merkle.perfect_subtrees(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert merkle.perfect_subtrees(6, 13) == [(1, 3), (2, 2), (0, 12)]


def test_the_fast_leaf_writer_is_canonical_json():
    from jiancha.ledger.leaf import LeafEvent, canonical_json

    tricky = 'quote " back \\ slash / 监察 \u2028 \U0001f600 é'
    leaf = LeafEvent(
        7, "u", "case.filed", tricky, "2026-01-01T00:00:00.000000Z", "case", tricky, tricky, "ab"
    )
    assert leaf.data() == canonical_json(leaf.to_json())
    assert LeafEvent.from_json(__import__("json").loads(leaf.data())) == leaf
