"""The registry (监察对象名录库): effective-dated entries, the changes awaiting confirmation (动态调整)
and, per refresh, the persons found exercising public power (the denominator of coverage).

Periods are half-open: an entry holds from ``valid_from`` (inclusive) to ``valid_to`` (exclusive;
None while open), so that a transfer closes one entry and opens the next on the same day.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiancha.orgs.models import Division, Unit


class Category(models.IntegerChoices):
    """监察法 Art. 15's six categories of supervised persons (DOMAIN.md §2)."""

    CIVIL_SERVANT = 1, _("1 civil servants and those managed as civil servants")
    AUTHORISED = 2, _("2 public duties in authorised or entrusted organisations")
    SOE_MANAGER = 3, _("3 managers of state-owned enterprises")
    INSTITUTION_MANAGER = 4, _("4 managers in public education, research, culture, health and sports")
    GRASSROOTS = 5, _("5 managers in village and residents' committees")
    OTHER = 6, _("6 others performing public duties")


class Refresh(models.Model):
    """One run of the registry's refresh over the pool (after an import, or on the monthly cadence)."""

    started = models.DateTimeField(_("started"), auto_now_add=True)
    as_of = models.DateField(_("as of"))
    period = models.CharField(_("period"), max_length=7, help_text=_("Month the changes are listed under."))
    snapshot = models.PositiveIntegerField(_("pool snapshot"), null=True, blank=True)
    actor = models.CharField(_("run by"), max_length=150, blank=True)
    found = models.PositiveIntegerField(_("persons found exercising public power"), default=0)
    proposed = models.PositiveIntegerField(_("changes proposed"), default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("registry refresh")
        verbose_name_plural = _("registry refreshes")

    def __str__(self) -> str:
        return f"{self.period} #{self.pk}"


class Entry(models.Model):
    """One period in which a person is a supervised person, under one category, in one unit."""

    person_key = models.CharField(_("person"), max_length=64, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.PositiveSmallIntegerField(_("Art. 15 category"), choices=Category.choices)
    rule_code = models.CharField(_("rule"), max_length=40)
    facts = models.JSONField(_("facts"), default=dict)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    unit_name = models.CharField(_("unit name"), max_length=200, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), null=True, blank=True, on_delete=models.PROTECT
    )
    party_member = models.BooleanField(_("Party member"), null=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid until (exclusive)"), null=True, blank=True)
    confirmed_by = models.CharField(_("confirmed by"), max_length=150)
    confirmed_at = models.DateTimeField(_("confirmed at"))
    source_batch = models.PositiveIntegerField(_("source batch"), null=True, blank=True)
    change = models.ForeignKey(
        "Change",
        verbose_name=_("opened by change"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="opened",
    )

    class Meta:
        ordering = ["person_key", "valid_from"]
        verbose_name = _("registry entry")
        verbose_name_plural = _("registry entries")
        indexes = [models.Index(fields=["valid_from", "valid_to"])]

    def __str__(self) -> str:
        return f"{self.name} {self.category} {self.valid_from}–{self.valid_to or ''}"


def open_on(day: dt.date) -> Q:
    """Entries holding on ``day``."""
    return Q(valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


class ChangeKind(models.TextChoices):
    JOIN = "join", _("joins the registry")
    LEAVE = "leave", _("leaves the registry")
    CATEGORY = "category", _("changes category")
    TRANSFER = "transfer", _("moves to another unit")
    REVIEW = "review", _("unclear: a person decides")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("awaiting confirmation")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")


class Change(models.Model):
    """A proposed change to the registry (动态调整), confirmed or rejected by a person; never dropped."""

    refresh = models.ForeignKey(Refresh, verbose_name=_("refresh"), on_delete=models.PROTECT)
    kind = models.CharField(_("kind"), max_length=16, choices=ChangeKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ChangeStatus.choices, default=ChangeStatus.PENDING
    )
    person_key = models.CharField(_("person"), max_length=64, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    effective = models.DateField(_("effective"))
    category_before = models.PositiveSmallIntegerField(_("category before"), null=True, blank=True)
    category = models.PositiveSmallIntegerField(_("category"), null=True, blank=True)
    rule_code = models.CharField(_("rule"), max_length=40, blank=True)
    facts = models.JSONField(_("facts"), default=dict)
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT)
    unit_name = models.CharField(_("unit name"), max_length=200, blank=True)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), null=True, blank=True, on_delete=models.PROTECT
    )
    entry = models.ForeignKey(
        Entry,
        verbose_name=_("entry concerned"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changes",
    )
    source = models.CharField(_("source"), max_length=16, blank=True)
    source_batch = models.PositiveIntegerField(_("source batch"), null=True, blank=True)
    decided_by = models.CharField(_("decided by"), max_length=150, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["effective", "id"]
        verbose_name = _("proposed change")
        verbose_name_plural = _("proposed changes")
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.name} {self.effective}"


class Holder(models.Model):
    """A person found exercising public power at a refresh, whatever the registry says."""

    refresh = models.ForeignKey(Refresh, on_delete=models.CASCADE, related_name="holders")
    person_key = models.CharField(_("person"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    category = models.PositiveSmallIntegerField(_("Art. 15 category"), choices=Category.choices)
    rule_code = models.CharField(_("rule"), max_length=40)
    source = models.CharField(_("source"), max_length=16)
    unit = models.ForeignKey(Unit, null=True, blank=True, on_delete=models.PROTECT)
    unit_name = models.CharField(_("unit name"), max_length=200, blank=True)
    unit_type = models.CharField(_("unit type"), max_length=32, blank=True)
    division_code = models.CharField(_("division code"), max_length=12, blank=True)
    facts = models.JSONField(_("facts"), default=dict)

    class Meta:
        verbose_name = _("public-power holder found")
        verbose_name_plural = _("public-power holders found")
        indexes = [models.Index(fields=["refresh", "division_code"])]

    def __str__(self) -> str:
        return f"{self.name} {self.category} {self.unit_name}"
