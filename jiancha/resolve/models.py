"""Operational records of entity resolution: runs, the review queue and analysts' decisions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    PERSON = "person", _("person")
    COMPANY = "company", _("company")


class ResolutionRun(models.Model):
    """One run of `jiancha resolve run` (全量/增量): what it read, what it found, how long it took."""

    class Mode(models.TextChoices):
        FULL = "full", _("full")
        INCREMENTAL = "incremental", _("incremental")

    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices)
    started = models.DateTimeField(_("started"))
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    snapshot = models.BigIntegerField(_("pool snapshot"), null=True, blank=True)
    stats = models.JSONField(_("figures"), default=dict)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("resolution run")
        verbose_name_plural = _("resolution runs")

    def __str__(self) -> str:
        return f"{self.mode} {self.started:%Y-%m-%d %H:%M}"


class ReviewPair(models.Model):
    """A borderline pair (待审核匹配) from the latest run: the model is unsure; an analyst decides."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    left_key = models.CharField(max_length=120)
    right_key = models.CharField(max_length=120)
    probability = models.FloatField(_("match probability"))
    left = models.JSONField(default=dict)
    right = models.JSONField(default=dict)
    explanation = models.JSONField(default=list)
    run = models.ForeignKey(ResolutionRun, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "left_key", "right_key"], name="resolve_review_pair")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.left_key} ~ {self.right_key}"


class MatchDecision(models.Model):
    """An analyst's decision on a pair (人工确认/否决). It wins over the model on every later run."""

    class Decision(models.TextChoices):
        ACCEPT = "accept", _("same entity")
        REJECT = "reject", _("different entities")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    left_key = models.CharField(max_length=120)
    right_key = models.CharField(max_length=120)
    decision = models.CharField(_("decision"), max_length=6, choices=Decision.choices)
    reason = models.CharField(_("reason"), max_length=500)
    decided_by = models.CharField(_("decided by"), max_length=150)
    decided_at = models.DateTimeField(_("decided"), auto_now=True)
    ledger_index = models.BigIntegerField(_("ledger entry"), null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")
        constraints = [
            models.UniqueConstraint(fields=["kind", "left_key", "right_key"], name="resolve_decision_pair")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.left_key} ~ {self.right_key}: {self.decision}"
