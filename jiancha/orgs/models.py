"""The organisation tree (组织机构树): administrative divisions (行政区划) and the units (单位) in them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DivisionLevel(models.IntegerChoices):
    """Level of an administrative division, with the length of its significant code prefix."""

    PROVINCE = 1, _("省级")
    CITY = 2, _("市级")
    COUNTY = 3, _("县级")
    TOWNSHIP = 4, _("乡级（乡镇/街道）")
    VILLAGE = 5, _("村级（村/社区）")


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

    PROVINCE = "province", _("省/自治区/直辖市")
    CITY = "city", _("地级市/州/盟")
    DISTRICT = "district", _("市辖区")
    COUNTY = "county", _("县/县级市/旗")
    TOWN = "town", _("镇")
    TOWNSHIP = "township", _("乡")
    STREET = "street", _("街道")
    VILLAGE = "village", _("村")
    COMMUNITY = "community", _("社区")


class Division(models.Model):
    """An administrative division (行政区划) identified by its 12-digit statistical code."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.PositiveSmallIntegerField(_("层级"), choices=DivisionLevel.choices)
    kind = models.CharField(_("类型"), max_length=16, choices=DivisionKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级区划"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    population = models.PositiveIntegerField(
        _("常住人口"), null=True, blank=True, help_text=_("Resident population, for township and village staffing ratios.")
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def prefix(self) -> str:
        """The significant part of the code: every division below this one starts with it."""
        return self.code[: PREFIX_LENGTH[DivisionLevel(self.level)]]


class UnitType(models.TextChoices):
    """Type of a unit (单位类型); decides, among other things, who in it is a supervised person."""

    PARTY_ORGAN = "party_organ", _("党的机关")
    PEOPLES_CONGRESS = "peoples_congress", _("人大机关")
    GOVERNMENT_DEPARTMENT = "government_department", _("行政机关（政府部门）")
    SUPERVISION_COMMISSION = "supervision_commission", _("监察机关（纪委监委）")
    COURT = "court", _("审判机关（法院）")
    PROCURATORATE = "procuratorate", _("检察机关（检察院）")
    CPPCC = "cppcc", _("政协机关")
    DEMOCRATIC_PARTY = "democratic_party", _("民主党派机关和工商联机关")
    STATE_OWNED_ENTERPRISE = "soe", _("国有企业")
    SCHOOL = "school", _("公办教育单位（学校）")
    HOSPITAL = "hospital", _("公办医疗卫生单位（医院）")
    RESEARCH = "research", _("公办科研单位")
    CULTURE = "culture", _("公办文化单位")
    SPORTS = "sports", _("公办体育单位")
    VILLAGE_COMMITTEE = "village_committee", _("村民委员会")
    RESIDENTS_COMMITTEE = "residents_committee", _("居民委员会")
    SOCIAL_ORGANISATION = "social_organisation", _("社会组织")
    MIXED_OWNERSHIP = "mixed_ownership", _("混合所有制企业")


PUBLIC_INSTITUTION_TYPES = frozenset(
    {UnitType.SCHOOL, UnitType.HOSPITAL, UnitType.RESEARCH, UnitType.CULTURE, UnitType.SPORTS}
)


class Unit(models.Model):
    """A unit (单位) located in a division: an organ, an enterprise, an institution, a committee."""

    name = models.CharField(_("单位名称"), max_length=200)
    unit_type = models.CharField(_("单位类型"), max_length=32, choices=UnitType.choices)
    division = models.ForeignKey(Division, verbose_name=_("所在区划"), on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", verbose_name=_("上级单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    established = models.DateField(_("成立日期"), null=True, blank=True)
    dissolved = models.DateField(_("撤销日期"), null=True, blank=True)

    class Meta:
        ordering = ["division__code", "name"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        constraints = [
            models.UniqueConstraint(fields=["division", "name"], name="unit_unique_name_in_division"),
        ]

    def __str__(self) -> str:
        return self.name
