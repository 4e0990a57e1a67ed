"""Public power (公权力): who holds which post in which unit, with rank (职级), staff type and the
监察法 Art. 15 category that makes them a supervised person (监察对象). See DOMAIN.md §2.
"""

from __future__ import annotations

import datetime as dt
import random

from .model import REFERENCE_DATE, County, Post, Unit

ORGANS = {
    "party_organ",
    "peoples_congress",
    "government_department",
    "supervision_commission",
    "court",
    "procuratorate",
    "cppcc",
    "democratic_party",
}
INSTITUTIONS = {"school", "hospital", "research", "culture", "sports"}

# Staff of a unit at a county of 100,000 residents (scaled by population, at least the leaders).
BASE_STAFF = {
    "party_organ": 20, "peoples_congress": 18, "government_department": 40, "supervision_commission": 30,
    "court": 60, "procuratorate": 45, "cppcc": 15, "democratic_party": 8, "soe": 120, "mixed_ownership": 120,
    "school": 70, "hospital": 220, "research": 20, "culture": 14, "sports": 12, "village_committee": 5,
    "residents_committee": 5, "social_organisation": 6,
}  # fmt: skip

# (position, rank, Art. 15 category) of the leading posts of each kind of unit; staff follow.
LEADERS = {
    "organ": [("主要负责人", "正科级"), ("副职", "副科级"), ("副职", "副科级")],
    "soe": [("董事长", ""), ("总经理", ""), ("副总经理", ""), ("财务总监", "")],
    "institution": [("主要负责人", "管理五级"), ("副职", "管理六级")],
    "village_committee": [("村党组织书记", ""), ("村委会主任", ""), ("村委会委员", ""), ("村报账员", "")],
    "residents_committee": [("社区党组织书记", ""), ("居委会主任", ""), ("居委会委员", "")],
    "social_organisation": [("会长", ""), ("秘书长", "")],
}
HEAD_TITLE = {
    "party_organ": ("书记", "副书记"), "peoples_congress": ("主任", "副主任"), "government_department": ("局长", "副局长"),
    "supervision_commission": ("主任", "副主任"), "court": ("院长", "副院长"), "procuratorate": ("检察长", "副检察长"),
    "cppcc": ("主席", "副主席"), "democratic_party": ("主席", "副主席"), "school": ("校长", "副校长"),
    "hospital": ("院长", "副院长"), "research": ("所长", "副所长"), "culture": ("馆长", "副馆长"), "sports": ("主任", "副主任"),
}  # fmt: skip
STAFF_TITLE = {
    "school": "教师",
    "hospital": "医师",
    "research": "研究人员",
    "culture": "馆员",
    "sports": "教练员",
    "soe": "员工",
    "mixed_ownership": "员工",
    "social_organisation": "工作人员",
}
CIVIL_RANKS = ("一级主任科员", "二级主任科员", "三级主任科员", "四级主任科员", "一级科员", "二级科员")


def _family(unit_type: str) -> str:
    if unit_type in ORGANS:
        return "organ"
    if unit_type in INSTITUTIONS:
        return "institution"
    if unit_type in ("soe", "mixed_ownership"):
        return "soe"
    return unit_type


def _category(unit: Unit, leader: bool) -> tuple[int, str]:
    """Art. 15 category and staff type (人员类别) of a post."""
    family = _family(unit.unit_type)
    if family == "organ":
        if unit.name.endswith(("公共资源交易中心", "机关事务服务中心")):
            return 2, "参公"
        return 1, "公务员"
    if family == "soe":
        # Managers of mixed-ownership companies are in scope under the pilot's extension (§3.2).
        return (3 if unit.unit_type == "soe" else 6) if leader else 0, "企业"
    if family == "institution":
        return (4 if leader else 0), "事业"
    if family in ("village_committee", "residents_committee"):
        return 5, "村干部" if family == "village_committee" else "社区干部"
    return (6 if leader else 0), "社会组织"


def assign_posts(county: County, scale_factor: float, rng: random.Random) -> None:
    """Fill every unit with leaders and staff drawn from working-age residents of the county."""
    people = county.people
    candidates = [i for i, p in enumerate(people) if p.alive() and 24 <= p.age() <= 58]
    # Better-educated residents are likelier to hold public posts; village cadres come from the village.
    rng.shuffle(candidates)
    candidates.sort(key=lambda i: 0 if people[i].education in ("本科", "硕士", "大专") else 1)
    by_village: dict[int, list[int]] = {}
    for i in candidates:
        if people[i].education not in ("本科", "硕士"):
            by_village.setdefault(people[i].village, []).append(i)
    pool = candidates[::-1]
    village_index = {v.code: n for n, v in enumerate(county.villages)}

    # Leading posts go to people of 40 and over (a secretary of 30 would be a curiosity).
    seniors = [i for i in pool if people[i].age() >= 40]

    def take(village_code: str | None, senior: bool = False) -> int:
        if village_code is not None:
            local = by_village.get(village_index.get(village_code, -1), [])
            while local:
                i = local.pop()
                if people[i].post < 0:
                    return i
        while senior and seniors:
            i = seniors.pop()
            if people[i].post < 0:
                return i
        while pool:
            i = pool.pop()
            if people[i].post < 0:
                return i
        return -1

    county_level = county.code + "000000"
    for u, unit in enumerate(county.units):
        family = _family(unit.unit_type)
        village_code = unit.division if family in ("village_committee", "residents_committee") else None
        leaders = LEADERS.get(family, LEADERS["organ"])
        size = max(
            len(leaders) + (1 if family not in ("village_committee", "residents_committee") else 0),
            round(BASE_STAFF[unit.unit_type] * scale_factor),
        )
        if family in ("village_committee", "residents_committee"):
            size = len(leaders) + rng.randint(0, 2)
        county_rank = unit.division == county_level and unit.name.startswith(
            ("中共", county.name + "人民政府", county.name + "人民代表", "中国人民政治")
        )
        city_rank = unit.division.endswith("00000000")
        for k in range(size):
            person = take(village_code, senior=k < len(leaders) and family in ("organ", "soe", "institution"))
            if person < 0:
                return
            leader = k < len(leaders)
            if leader:
                position, rank = leaders[k]
                if position in ("主要负责人", "副职"):
                    head, deputy = HEAD_TITLE.get(unit.unit_type, ("主任", "副主任"))
                    position = head if position == "主要负责人" else deputy
                if family == "organ" and (county_rank or city_rank):
                    rank = "正处级" if k == 0 else "副处级"
                    if city_rank:
                        rank = (
                            "正厅级"
                            if k == 0 and unit.name.startswith("中共")
                            else ("正处级" if k == 0 else "副处级")
                        )
            else:
                position = STAFF_TITLE.get(unit.unit_type, "科员" if family == "organ" else "委员")
                rank = (
                    rng.choice(CIVIL_RANKS)
                    if family == "organ"
                    else ("专业技术" if family == "institution" else "")
                )
                if family in ("village_committee", "residents_committee"):
                    position = "村民小组长" if family == "village_committee" else "网格员"
            category, staff_type = _category(unit, leader)
            age = people[person].age()
            start = dt.date(
                max(REFERENCE_DATE.year - rng.randint(0, max(1, age - 22)), 1995), rng.randint(1, 12), 1
            )
            post = Post(person, u, position, rank, staff_type, category, leader, start)
            people[person].post = len(county.posts)
            if leader or rng.random() < 0.45:
                people[person].party = True
            county.posts.append(post)


def is_declarant(county: County, post: Post) -> bool:
    """Who files a personal-matters report (个人有关事项报告): leading cadres at 副科级 and above in
    organs, and the heads of SOEs, schools and hospitals (the pilot's reporting scope)."""
    if not post.leader or post.end is not None:
        return False
    unit = county.units[post.unit]
    family = _family(unit.unit_type)
    return family in ("organ", "soe", "institution") and post.category in (1, 2, 3, 4)
