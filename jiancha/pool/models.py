"""The pool's operational records: feeds, import batches, rejected rows, pool snapshots.

The department data itself lives in Delta Lake tables (see store.py); these rows say what was
delivered, what was refused and why, and which table versions make up the pool readers see.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    """Data classification level (数据密级/敏感级别)."""

    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal")
    CONFIDENTIAL = "confidential", _("confidential")
    SECRET = "secret", _("secret")


class Feed(models.Model):
    """A department's data feed (部门数据源). Its mapping lives in ``feeds/<code>.yaml``."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    department = models.CharField(_("department"), max_length=200)
    liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("department liaison"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="feeds",
    )
    file_format = models.CharField(_("format"), max_length=20)
    cadence_days = models.PositiveIntegerField(_("expected every (days)"))
    classification = models.CharField(_("classification"), max_length=20, choices=Classification.choices)
    tolerance = models.FloatField(_("reject tolerance"), help_text=_("Share of rows that may be rejected."))

    class Meta:
        ordering = ["code"]
        verbose_name = _("feed")
        verbose_name_plural = _("feeds")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class BatchStatus(models.TextChoices):
    STAGING = "staging", _("being imported")
    COMMITTED = "committed", _("imported")
    REJECTED = "rejected", _("refused")
    FAILED = "failed", _("failed")
    ROLLED_BACK = "rolled_back", _("rolled back")


class ImportBatch(models.Model):
    """One delivered file (批次). Lands whole or not at all."""

    feed = models.ForeignKey(Feed, on_delete=models.PROTECT, related_name="batches")
    file_name = models.CharField(_("file"), max_length=300)
    content_hash = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    status = models.CharField(
        _("status"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.STAGING
    )
    # When the file was picked up (prepared), which can be before the batch is recorded.
    started = models.DateTimeField(_("started"), default=timezone.now)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    imported_by = models.CharField(_("imported by"), max_length=150, blank=True)
    rows_read = models.PositiveBigIntegerField(_("rows read"), default=0)
    rows_loaded = models.PositiveBigIntegerField(_("rows loaded"), default=0)
    rows_rejected = models.PositiveBigIntegerField(_("rows rejected"), default=0)
    reject_summary = models.JSONField(_("rejects by reason"), default=dict, blank=True)
    table_rows = models.JSONField(_("rows per table"), default=dict, blank=True)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["-started"]
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")

    def __str__(self) -> str:
        return f"#{self.pk} {self.feed.code} {self.file_name} ({self.status})"


class RejectedRow(models.Model):
    """A row refused at import, with where and why. Values are stored masked."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected_rows")
    row = models.PositiveBigIntegerField(_("row"))
    table = models.CharField(_("table"), max_length=40)
    field = models.CharField(_("field"), max_length=80)
    reason = models.CharField(_("reason"), max_length=80)
    value = models.CharField(_("value (masked)"), max_length=120, blank=True)

    class Meta:
        ordering = ["batch", "row"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.row} {self.field} {self.reason}"


class PoolSnapshot(models.Model):
    """The Delta table versions readers see (快照). A batch becomes visible when its snapshot is saved."""

    created = models.DateTimeField(auto_now_add=True)
    versions = models.JSONField(default=dict)
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-id"]
        get_latest_by = "id"

    def __str__(self) -> str:
        return f"snapshot {self.pk}"


class ProfileQuery(models.Model):
    """A query of a person's or a company's data (个人信息查询记录): who asked, about whom, why.

    The subject is kept as a keyed digest and a masked form, so this log of queries is not itself a
    list of the people queried. Each row is also written to the ledger.
    """

    class Kind(models.TextChoices):
        PERSON = "person", _("person")
        COMPANY = "company", _("company")
        SEARCH = "search", _("name search")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    username = models.CharField(_("user"), max_length=150)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    subject_digest = models.CharField(max_length=64, db_index=True)
    subject_masked = models.CharField(_("subject"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=500)
    case_reference = models.CharField(_("case or task reference"), max_length=100, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    requested_at = models.DateTimeField(_("requested"), db_index=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    facts_returned = models.PositiveIntegerField(_("facts returned"), default=0)
    ledger_index = models.BigIntegerField(_("ledger entry"), null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("data query")
        verbose_name_plural = _("data queries")

    def __str__(self) -> str:
        return f"{self.username} {self.kind} {self.subject_masked} {self.requested_at:%Y-%m-%d %H:%M}"

    @property
    def answer_seconds(self) -> float | None:
        """From request to answer: the pilot's cross-department query time (< 1 hour)."""
        if self.answered_at is None:
            return None
        return (self.answered_at - self.requested_at).total_seconds()
