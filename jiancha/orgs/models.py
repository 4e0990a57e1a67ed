"""The organisation tree (组织机构树): administrative divisions (行政区划) and the units (单位) in them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.IntegerChoices):
    """Level of an administrative division, with the length of its significant code prefix."""

    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county")
    TOWNSHIP = 4, _("township or street")
    VILLAGE = 5, _("village or community")


# Significant digits of a 12-digit statistical division code (统计用区划代码) per level.
PREFIX_LENGTH = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.CITY: 4,
    DivisionLevel.COUNTY: 6,
    DivisionLevel.TOWNSHIP: 9,
    DivisionLevel.VILLAGE: 12,
}


class DivisionKind(models.TextChoices):
    """What kind of place a division is (乡/镇/街道, 村/社区)."""

    PROVINCE = "province", _("province, autonomous region or municipality")
    CITY = "city", _("prefecture-level city")
    DISTRICT = "district", _("city district")
    COUNTY = "county", _("county or county-level city")
    TOWN = "town", _("town")
    TOWNSHIP = "township", _("township")
    STREET = "street", _("street")
    VILLAGE = "village", _("village")
    COMMUNITY = "community", _("community")


class Division(models.Model):
    """An administrative division (行政区划) identified by its 12-digit statistical code."""

    code = models.CharField(_("division code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=DivisionLevel.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=DivisionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent division"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    population = models.PositiveIntegerField(
        _("resident population"),
        null=True,
        blank=True,
        help_text=_("Resident population, for township and village staffing ratios."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("administrative division")
        verbose_name_plural = _("administrative divisions")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """The significant part of the code: every division below this one starts with it."""
        return self.code[: PREFIX_LENGTH[DivisionLevel(self.level)]]


class UnitType(models.TextChoices):
    """Type of a unit (单位类型); decides, among other things, who in it is a supervised person."""

    PARTY_ORGAN = "party_organ", _("Party organ")
    PEOPLES_CONGRESS = "peoples_congress", _("people's congress")
    GOVERNMENT_DEPARTMENT = "government_department", _("government department")
    SUPERVISION_COMMISSION = "supervision_commission", _("supervision commission")
    COURT = "court", _("court")
    PROCURATORATE = "procuratorate", _("procuratorate")
    CPPCC = "cppcc", _("CPPCC")
    DEMOCRATIC_PARTY = "democratic_party", _("democratic party or federation of industry and commerce")
    STATE_OWNED_ENTERPRISE = "soe", _("state-owned enterprise")
    SCHOOL = "school", _("public school")
    HOSPITAL = "hospital", _("public hospital")
    RESEARCH = "research", _("public research institute")
    CULTURE = "culture", _("public culture unit")
    SPORTS = "sports", _("public sports unit")
    VILLAGE_COMMITTEE = "village_committee", _("village committee")
    RESIDENTS_COMMITTEE = "residents_committee", _("residents' committee")
    SOCIAL_ORGANISATION = "social_organisation", _("social organisation")
    MIXED_OWNERSHIP = "mixed_ownership", _("mixed-ownership company")


PUBLIC_INSTITUTION_TYPES = frozenset(
    {UnitType.SCHOOL, UnitType.HOSPITAL, UnitType.RESEARCH, UnitType.CULTURE, UnitType.SPORTS}
)


class Unit(models.Model):
    """A unit (单位) located in a division: an organ, an enterprise, an institution, a committee."""

    name = models.CharField(_("unit name"), max_length=200)
    unit_type = models.CharField(_("unit type"), max_length=32, choices=UnitType.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="units"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    established = models.DateField(_("established"), null=True, blank=True)
    dissolved = models.DateField(_("dissolved"), null=True, blank=True)

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="unit_unique_name_in_division"),
        ]

    def __str__(self) -> str:
        return self.name
