"""Runs and alerts (运行记录与预警). Indicators themselves are files, not rows: see ``catalogue``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Run(models.Model):
    """One run of one or more indicators over one pool snapshot (or one OCDS file)."""

    started = models.DateTimeField(_("started"), auto_now_add=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    actor = models.CharField(_("run by"), max_length=150)
    source = models.CharField(_("source"), max_length=300)  # "pool" or an OCDS file name
    snapshot = models.ForeignKey(
        "pool.PoolSnapshot", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    batches = models.JSONField(_("pool batches read"), default=list)
    settings = models.JSONField(_("dataset settings"), default=dict)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    new_alerts = models.PositiveIntegerField(_("new alerts"), default=0)
    updated_alerts = models.PositiveIntegerField(_("updated alerts"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("indicator run")
        verbose_name_plural = _("indicator runs")

    def __str__(self) -> str:
        return f"run {self.pk}"


class IndicatorRun(models.Model):
    """What one indicator was in a run: its version (content hash), parameters and counts."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("indicator"), max_length=40)
    version = models.CharField(_("version"), max_length=64)
    parameters = models.JSONField(_("parameters"), default=dict)
    findings = models.PositiveIntegerField(_("findings"), default=0)
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        ordering = ["run", "code"]
        constraints = [models.UniqueConstraint(fields=["run", "code"], name="detect_indicator_once_per_run")]

    def __str__(self) -> str:
        return f"{self.code}@{self.version[:12]}"


class AlertStatus(models.TextChoices):
    NEW = "new", _("New")
    REVIEWING = "reviewing", _("Under review")
    DISMISSED = "dismissed", _("Dismissed")


class Alert(models.Model):
    """A finding a person must review (人工复核). Found again by a later run, it is updated in place:
    the fingerprint (indicator, group, identifier) names the finding, not the run."""

    fingerprint = models.CharField(max_length=64, unique=True)
    code = models.CharField(_("indicator"), max_length=40, db_index=True)
    version = models.CharField(_("indicator version"), max_length=64)
    group = models.CharField(_("about"), max_length=20)  # OCID, Buyer, ProcuringEntity, Tenderer
    identifier = models.CharField(_("identifier"), max_length=300)
    value = models.FloatField(_("value"))
    score = models.FloatField(_("score"), db_index=True)
    severity = models.CharField(_("severity"), max_length=10)
    entities = models.JSONField(_("entities"), default=list)
    explanation_zh = models.TextField(_("explanation (Chinese)"))
    explanation_en = models.TextField(_("explanation (English)"))
    evidence = models.JSONField(_("evidence"), default=list)
    status = models.CharField(
        _("status"), max_length=12, choices=AlertStatus.choices, default=AlertStatus.NEW
    )
    division = models.ForeignKey(
        "orgs.Division", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unit = models.ForeignKey("orgs.Unit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    last_run = models.ForeignKey(Run, on_delete=models.PROTECT, related_name="+")
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"))
    status_changed = models.DateTimeField(null=True, blank=True)
    status_note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-score", "-last_seen", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["status", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.identifier}"

    def explanation(self, language: str) -> str:
        return self.explanation_zh if language.startswith("zh") else self.explanation_en
