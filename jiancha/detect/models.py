"""Runs and alerts (运行记录与预警). Indicators themselves are files, not rows: see ``catalogue``;
what may change without editing a file (parameters, on/off) is an approved ``IndicatorSetting``."""

from __future__ import annotations

from django.conf import settings
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
    # The approved setting the run used (None: the file's defaults, no change ever approved).
    setting = models.ForeignKey(
        "IndicatorSetting", null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
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
    CONFIRMED = "confirmed", _("Confirmed")  # 确认：转为问题线索
    DISMISSED = "dismissed", _("Dismissed")  # 排除


OPEN_STATUSES = (AlertStatus.NEW, AlertStatus.REVIEWING)


class DismissReason(models.TextChoices):
    """Why a reviewer dismissed an alert (排除理由): what tells an indicator's author what to fix."""

    DATA_ERROR = "data_error", _("Data error")  # 数据错误
    LEGITIMATE = "legitimate", _("Explained by a legitimate reason")  # 有正当理由
    KNOWN = "known", _("Already known or handled")  # 已掌握或已处理
    DUPLICATE = "duplicate", _("Duplicate of another alert")  # 重复
    IMMATERIAL = "immaterial", _("Below materiality")  # 情节轻微
    OTHER = "other", _("Other (explain in the note)")  # 其他


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
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dismiss_reason = models.CharField(
        _("reason for dismissal"), max_length=16, choices=DismissReason.choices, blank=True
    )
    lead = models.OneToOneField(
        "cases.Lead", null=True, blank=True, on_delete=models.PROTECT, related_name="alert"
    )

    class Meta:
        ordering = ["-score", "-last_seen", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [models.Index(fields=["status", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.identifier}"

    def explanation(self, language: str) -> str:
        return self.explanation_zh if language.startswith("zh") else self.explanation_en


class SettingStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class IndicatorSetting(models.Model):
    """One version of an indicator's parameters and on/off state (指标参数版本): proposed by someone
    who writes indicators, used by runs only once an approver other than the proposer signs it off."""

    code = models.CharField(_("indicator"), max_length=40, db_index=True)
    number = models.PositiveIntegerField(_("version number"))
    parameters = models.JSONField(_("parameters"), default=dict)
    enabled = models.BooleanField(_("enabled"), default=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=SettingStatus.choices, default=SettingStatus.PENDING
    )
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        ordering = ["code", "-number"]
        verbose_name = _("indicator setting")
        verbose_name_plural = _("indicator settings")
        constraints = [
            models.UniqueConstraint(fields=["code", "number"], name="detect_setting_number_once"),
            # One proposal at a time per indicator: the approver sees what changes from what is in force.
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(status="pending"), name="detect_one_pending_setting"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} v{self.number} ({self.status})"
