"""Ledger endpoints: the latest checkpoint, inclusion and consistency proofs (security officer only).

Hashes and proof elements are standard base64, as in the checkpoint itself. Errors are 400 with the
reason; a missing event or checkpoint is 404.
"""

from __future__ import annotations

import base64
import uuid

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from . import keys, services
from .merkle import ProofError
from .note import NoteError

router = Router(tags=["ledger"])

PERMISSION = "access.verify_ledger"


def _require(request: HttpRequest) -> None:
    if not request.user.has_perm(PERMISSION):
        raise HttpError(403, _("verifying the ledger needs the right “verify_ledger”"))


def _b64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


class CosignerOut(Schema):
    name: str
    key_id: str
    timestamp: int


class CheckpointOut(Schema):
    id: int
    origin: str
    tree_size: int
    root_hash: str
    note: str  # the C2SP signed note, with the log's signature and every cosignature
    log_key: str
    cosigners: list[CosignerOut]
    error: str = ""  # why the stored checkpoint does not verify, if it does not


class InclusionOut(Schema):
    index: int
    uid: str
    tree_size: int
    leaf_hash: str
    proof: list[str]
    root_hash: str


class ConsistencyOut(Schema):
    size1: int
    size2: int
    proof: list[str]


@router.get("/ledger/checkpoint", response=CheckpointOut, url_name="ledger_checkpoint")
def latest_checkpoint(request: HttpRequest) -> CheckpointOut:
    """The latest signed checkpoint and who has cosigned it."""
    _require(request)
    checkpoint = services.latest_checkpoint()
    if checkpoint is None:
        raise HttpError(404, _("no checkpoint has been signed yet"))
    try:
        log = keys.log_verifier()
    except NoteError as error:
        raise HttpError(503, str(error)) from error
    summary = services.checkpoint_summary(checkpoint, log)
    return CheckpointOut(
        id=checkpoint.pk,
        origin=log.name,
        tree_size=checkpoint.tree_size,
        root_hash=summary["root_hash"],
        note=summary["note"],
        log_key=log.vkey,
        error=summary["error"],
        cosigners=[
            CosignerOut(name=c["name"], key_id=c["key_id"], timestamp=int(c["timestamp"].timestamp()))
            for c in summary["cosigners"]
        ],
    )


@router.get("/ledger/inclusion", response=InclusionOut, url_name="ledger_inclusion")
def inclusion(
    request: HttpRequest, index: int | None = None, uid: uuid.UUID | None = None, tree_size: int | None = None
) -> InclusionOut:
    """Audit path of one event (by ``index`` or ``uid``) in the tree of ``tree_size`` (default: latest checkpoint)."""
    _require(request)
    if (index is None) == (uid is None):
        raise HttpError(400, _("give exactly one of index and uid"))
    event = services.find_event(index=index, uid=uid)
    if event is None:
        raise HttpError(404, _("no such event"))
    try:
        proof = services.inclusion_proof(event.index, tree_size)
    except ProofError as error:
        raise HttpError(400, str(error)) from error
    return InclusionOut(
        index=proof.index,
        uid=str(event.uid),
        tree_size=proof.tree_size,
        leaf_hash=_b64(proof.leaf_hash),
        proof=[_b64(p) for p in proof.proof],
        root_hash=_b64(proof.root_hash),
    )


@router.get("/ledger/consistency", response=ConsistencyOut, url_name="ledger_consistency")
def consistency(request: HttpRequest, size1: int, size2: int) -> ConsistencyOut:
    """Proof that the tree of ``size2`` extends the tree of ``size1`` (RFC 9162 §2.1.4)."""
    _require(request)
    try:
        proof = services.consistency_proof(size1, size2)
    except ProofError as error:
        raise HttpError(400, str(error)) from error
    return ConsistencyOut(size1=size1, size2=size2, proof=[_b64(p) for p in proof])
