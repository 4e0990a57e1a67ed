"""The organisation tree of the pilot region (组织机构树): divisions and the public units in them.

Written as ``orgs/divisions.csv`` and ``orgs/units.csv`` in the form that
:func:`jiancha.orgs.services.import_divisions` and :func:`~jiancha.orgs.services.import_units` read.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import ids
from .model import County, Town, Unit, Village
from .names import load_data


@dataclass(frozen=True)
class Scale:
    """How big a region to make."""

    name: str
    cities: int
    counties_per_city: int
    residents_per_county: int  # on average; see sizes
    towns: int  # per county of average size
    villages_per_town: int
    # Relative sizes of a city's counties, in order (a city's seat district is the largest). They
    # also balance the work: at county scale one worker makes the big district while the other
    # makes the two smaller counties.
    sizes: tuple[float, ...] = (1.0,)


SCALES = {
    "tiny": Scale("tiny", 1, 2, 1_500, 2, 3),
    "county": Scale("county", 1, 3, 100_000, 9, 12, (1.5, 0.75, 0.75)),
    "province": Scale("province", 8, 4, 312_500, 14, 16, (1.4, 1.0, 0.8, 0.8)),
}


def place_name(rng: random.Random, used: set[str], length: int = 2) -> str:
    """A fictional two-syllable place name, unique among its siblings."""
    places = load_data("places")
    for _ in range(1000):
        name = rng.choice(places["head"]) + rng.choice(places["tail"])
        if length == 3:
            name = rng.choice(places["head"]) + name
        if name not in used:
            used.add(name)
            return name
    raise RuntimeError("ran out of place names")


def plan_counties(scale: Scale, seed: int) -> list[County]:
    """Cities and counties with their codes and names (cheap; the counties are filled later)."""
    from .rng import stream

    rng = stream(seed, "plan")
    places = load_data("places")
    city_names = list(places["cities"])
    counties: list[County] = []
    used_county: set[str] = set(city_names)
    for c in range(scale.cities):
        city_code = f"33{12 + c:02d}"
        city_name = city_names[c % len(city_names)] + "市"
        for k in range(scale.counties_per_city):
            # A city's first counties are districts (市辖区, codes 02...), the rest counties (codes 21...).
            district = k < max(1, scale.counties_per_city // 3 + (1 if scale.counties_per_city > 2 else 0))
            number = (2 + k) if district else (21 + k)
            name = place_name(rng, used_county) + ("区" if district else "县")
            weight = scale.sizes[k % len(scale.sizes)]
            counties.append(
                County(
                    index=len(counties),
                    residents=round(scale.residents_per_county * weight),
                    code=f"{city_code}{number:02d}",
                    name=name,
                    kind="district" if district else "county",
                    city_code=city_code,
                    city_name=city_name,
                    seed=seed,
                    scale=scale.name,
                    hosts_city=k == 0,
                )
            )
    return counties


def build_divisions(county: County, scale: Scale, rng: random.Random) -> None:
    """Towns (镇/乡/街道) and villages (村/社区) with statistical codes (统计用区划代码)."""
    used: set[str] = set()
    streets = 2 if county.kind == "district" else 1
    for t in range(max(2, round(scale.towns * county.residents / scale.residents_per_county))):
        if t < streets:
            kind, number, suffix = "street", 1 + t, "街道"
        elif t % 4 == 3:
            kind, number, suffix = "township", 200 + t, "乡"
        else:
            kind, number, suffix = "town", 100 + t, "镇"
        town = Town(code=f"{county.code}{number:03d}000", name=place_name(rng, used) + suffix, kind=kind)
        county.towns.append(town)
        village_names: set[str] = set()
        for v in range(scale.villages_per_town):
            # Communities (社区, codes 0xx) in streets and town seats; villages (村, codes 2xx) elsewhere.
            community = kind == "street" or v == 0
            code = f"{town.code[:9]}{(1 + v) if community else (200 + v):03d}"
            name = place_name(rng, village_names) + ("社区" if community else "村")
            county.villages.append(
                Village(code, name, "community" if community else "village", len(county.towns) - 1)
            )


COUNTY_DEPARTMENTS = [
    "发展和改革局", "财政局", "教育局", "卫生健康局", "民政局", "人力资源和社会保障局", "自然资源和规划局",
    "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "市场监督管理局", "公安局", "应急管理局",
    "综合行政执法局", "医疗保障局", "审计局", "统计局", "机关事务服务中心", "公共资源交易中心",
]  # fmt: skip
PARTY_DEPARTMENTS = ["组织部", "宣传部", "统一战线工作部", "政法委员会"]
SOES = ["城市建设投资集团有限公司", "交通投资集团有限公司", "水务集团有限公司"]


def build_units(county: County, serial_base: int) -> None:
    """The county's public units, and the city's when this county hosts them."""
    c, code = county.name, county.code + "000000"
    serial = serial_base

    def add(name: str, unit_type: str, division: str, parent: str = "", buys: str = "") -> None:
        nonlocal serial
        serial += 1
        kind = {
            "village_committee": "village_committee",
            "residents_committee": "residents_committee",
            "social_organisation": "social_organisation",
            "soe": "company",
            "mixed_ownership": "company",
        }.get(
            unit_type,
            "institution"
            if unit_type in {"school", "hospital", "research", "culture", "sports"}
            else "organ",
        )
        uscc = ids.uscc(kind, division[:6], serial)
        county.units.append(Unit(name, unit_type, division, parent, uscc, buys))

    if county.hosts_city:
        city, city_division = county.city_name, county.city_code + "00000000"
        add(f"中共{city}委员会", "party_organ", city_division)
        add(f"{city}人民政府", "government_department", city_division, buys="services")
        add(f"{city}监察委员会", "supervision_commission", city_division)
        for department in ("财政局", "住房和城乡建设局", "交通运输局", "卫生健康局", "教育局"):
            add(
                f"{city}{department}", "government_department", city_division, f"{city}人民政府", buys="mixed"
            )
        add(f"{city}人民医院", "hospital", city_division, f"{city}卫生健康局", buys="medical")
    add(f"中共{c}委员会", "party_organ", code)
    for department in PARTY_DEPARTMENTS:
        add(f"中共{c}委员会{department}", "party_organ", code, f"中共{c}委员会")
    add(f"{c}人民代表大会常务委员会", "peoples_congress", code)
    add(f"{c}人民政府", "government_department", code, buys="services")
    for department in COUNTY_DEPARTMENTS:
        buys = {
            "住房和城乡建设局": "works",
            "交通运输局": "works",
            "水利局": "works",
            "农业农村局": "works",
        }.get(department, "mixed")
        add(f"{c}{department}", "government_department", code, f"{c}人民政府", buys=buys)
    add(f"中共{c}纪律检查委员会", "supervision_commission", code)
    add(f"{c}监察委员会", "supervision_commission", code)
    add(f"{c}人民法院", "court", code)
    add(f"{c}人民检察院", "procuratorate", code)
    add(f"中国人民政治协商会议{c}委员会", "cppcc", code)
    add(f"{c}工商业联合会", "democratic_party", code)
    for soe in SOES:
        add(f"{c}{soe}", "soe", code, f"{c}人民政府", buys="works")
    add(f"{c}农村商业银行股份有限公司", "mixed_ownership", code)
    for school in ("第一中学", "第二中学", "实验小学", "职业技术学校"):
        add(f"{c}{school}", "school", code, f"{c}教育局", buys="goods")
    for hospital in ("人民医院", "中医院", "妇幼保健院"):
        add(f"{c}{hospital}", "hospital", code, f"{c}卫生健康局", buys="medical")
    add(f"{c}农业科学研究所", "research", code, f"{c}农业农村局")
    add(f"{c}文化馆", "culture", code)
    add(f"{c}图书馆", "culture", code)
    add(f"{c}体育中心", "sports", code)
    add(f"{c}慈善总会", "social_organisation", code)
    for town in county.towns:
        label = town.name
        add(
            f"中共{c}{label}委员会" if town.kind == "street" else f"中共{label}委员会",
            "party_organ",
            town.code,
        )
        add(
            f"{label}办事处" if town.kind == "street" else f"{label}人民政府",
            "government_department",
            town.code,
            buys="works",
        )
        if town.kind != "street":
            add(f"{label}中心小学", "school", town.code, f"{c}教育局", buys="goods")
            add(f"{label}卫生院", "hospital", town.code, f"{c}卫生健康局", buys="medical")
    for village in county.villages:
        if village.kind == "village":
            add(f"{village.name}村民委员会", "village_committee", village.code, buys="village")
        else:
            add(f"{village.name}居民委员会", "residents_committee", village.code)
