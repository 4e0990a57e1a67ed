"""Tables of the tamper-evident ledger (存证账本).

Rows are written only by ``services`` and never updated, except the single ``LogHead`` row that
serialises appends. Nothing here refers to another app's tables: the ledger must outlive users and
cases, and export without the database.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LogHead(models.Model):
    """The log's current size and compact range (the frontier); locked by every append."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(_("tree size"), default=0)
    frontier = models.BinaryField(_("frontier hashes"), default=b"")

    class Meta:
        verbose_name = _("log head")
        verbose_name_plural = _("log heads")

    def __str__(self) -> str:
        return f"size {self.size}"


class Event(models.Model):
    """One recorded event (存证事件): metadata and a salted hash of its content, never the content."""

    index = models.BigIntegerField(_("leaf index"), primary_key=True)
    uid = models.UUIDField(_("event ID"), unique=True)
    kind = models.CharField(_("event type"), max_length=64)
    actor = models.CharField(_("actor"), max_length=150, help_text=_("username/role, kept as text"))
    recorded_at = models.DateTimeField(_("time"))
    object_kind = models.CharField(_("object kind"), max_length=64)
    object_id = models.CharField(_("object ID"), max_length=64)
    legal_basis = models.CharField(_("legal basis (法律依据)"), max_length=255, blank=True, default="")
    content_hash = models.BinaryField(_("content commitment"), max_length=32)
    # No salt column: each salt is HMAC-SHA256(salt key, uid), with the key in a file outside the
    # database (services.event_salt), so a reader of this table cannot test guesses of the content.
    leaf_hash = models.BinaryField(_("leaf hash"), max_length=32)

    class Meta:
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        indexes = [models.Index(fields=["object_kind", "object_id"], name="ledger_event_object")]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind} {self.object_kind}:{self.object_id}"

    @property
    def salt(self) -> bytes:
        """The salt of the content commitment, derived from the secret salt key (not a column)."""
        from .services import event_salt

        return event_salt(self)


class Node(models.Model):
    """An interior perfect-subtree hash; ``seq`` numbers nodes in the order appends create them."""

    seq = models.BigIntegerField(primary_key=True)
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        verbose_name = _("tree node")
        verbose_name_plural = _("tree nodes")

    def __str__(self) -> str:
        return f"node {self.level}/{self.index}"


class Checkpoint(models.Model):
    """A signed checkpoint (检查点): the log's statement of its size and root at one moment."""

    tree_size = models.BigIntegerField(_("tree size"), db_index=True)
    root_hash = models.BinaryField(_("root hash"), max_length=32)
    note = models.TextField(_("signed note"), help_text=_("the checkpoint text and the log's signature"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"checkpoint {self.pk} (size {self.tree_size})"


class WitnessKey(models.Model):
    """A partner body's public cosigning key (见证方公钥); its private key stays with that body."""

    name = models.CharField(_("key name"), max_length=200, unique=True)
    vkey = models.CharField(_("verifier key"), max_length=300, unique=True)
    body = models.CharField(_("partner body"), max_length=200, help_text=_("e.g. the procuratorate"))
    added_at = models.DateTimeField(_("added at"), auto_now_add=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("witness key")
        verbose_name_plural = _("witness keys")

    def __str__(self) -> str:
        return self.name


class Cosignature(models.Model):
    """A witness's cosignature on a checkpoint (见证副署), as the signature line it produced."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="cosignatures")
    witness = models.ForeignKey(WitnessKey, on_delete=models.PROTECT, related_name="cosignatures")
    timestamp = models.BigIntegerField(_("cosigned at (Unix seconds)"))
    line = models.TextField(_("signature line"))

    class Meta:
        verbose_name = _("cosignature")
        verbose_name_plural = _("cosignatures")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_one_cosignature")
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint}"


class AnchorRecord(models.Model):
    """Where a checkpoint was anchored outside the commission (外部链存证), and the receipt."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="anchors")
    anchor = models.CharField(_("anchor"), max_length=64)
    reference = models.CharField(_("receipt"), max_length=500)
    anchored_at = models.DateTimeField(_("anchored at"))

    class Meta:
        verbose_name = _("anchor record")
        verbose_name_plural = _("anchor records")
        constraints = [models.UniqueConstraint(fields=["checkpoint", "anchor"], name="ledger_one_anchor")]

    def __str__(self) -> str:
        return f"{self.anchor}: {self.reference}"
