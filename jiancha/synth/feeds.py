"""Department feeds of one county, each in the form and format that department delivers, with the
planted schemes written into them and recorded in the answer key.

Files of a county live under ``<county code>/<department>/``. Every planted row is written with
``protect=True`` (no blanks or invalid identifiers there) and recorded with its row number.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import model
from .economy import industries
from .model import (
    CASH_REPORT_THRESHOLD,
    MEAL_STANDARD_PER_HEAD,
    PAYMENT_MONTHS,
    REFERENCE_DATE,
    TENDER_THRESHOLD,
    WINDOW_START,
    County,
    Person,
)
from .names import load_data
from .public import is_declarant
from .rng import random_date, stream
from .schemes import AnswerKey, Record, how_many
from .writer import Col, Entry, Mess, Sink, Table, format_date

# 2025 public holidays and make-up working days (调休), from the State Council's notice of 2024-11-12.
HOLIDAYS_2025 = {
    dt.date(2025, 1, 1), *(dt.date(2025, 1, 28) + dt.timedelta(days=i) for i in range(8)),
    dt.date(2025, 4, 4), dt.date(2025, 4, 5), dt.date(2025, 4, 6),
    *(dt.date(2025, 5, 1) + dt.timedelta(days=i) for i in range(5)),
    dt.date(2025, 5, 31), dt.date(2025, 6, 1), dt.date(2025, 6, 2),
    *(dt.date(2025, 10, 1) + dt.timedelta(days=i) for i in range(8)),
}  # fmt: skip
MAKEUP_WORKDAYS_2025 = {
    dt.date(2025, 1, 26),
    dt.date(2025, 2, 8),
    dt.date(2025, 4, 27),
    dt.date(2025, 9, 28),
    dt.date(2025, 10, 11),
}

# Specialised services only a hospital with that equipment buys: the SINGLE_BUYER_SUPPLIER
# look-alike's market of one buyer. A county's is chosen by its code (crc32), so that the counties of
# one region mostly buy different ones.
SPECIALISED_SERVICES = (
    "高压氧舱维护保养服务",
    "医用直线加速器维保服务",
    "磁共振成像系统维保服务",
    "数字减影血管造影机维保服务",
    "血液透析水处理系统维保服务",
    "医用气体管道系统维保服务",
    "伽马刀设备维保服务",
    "放射治疗计划系统维保服务",
)

# The feeds in the order they are written (decisions first: several feeds must agree on them).
FEED_STEPS = (
    "decide", "population", "roster", "registry", "real_estate", "vehicles", "tax", "procurement", "benefits",
    "pensions", "payroll", "social_insurance", "declarations", "bank", "official_vehicles", "meals", "reports",
)  # fmt: skip


def is_workday(day: dt.date) -> bool:
    if day in MAKEUP_WORKDAYS_2025:
        return True
    return day.weekday() < 5 and day not in HOLIDAYS_2025


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def month_day(month: int, day: int) -> dt.date:
    return dt.date(2025, month, day)


@dataclass
class Property:
    """A registered real-estate right (不动产权利)."""

    number: str
    owner: int
    co_owner: int
    address: str
    use: str
    area: float
    registered: dt.date
    cancelled: dt.date | None = None

    def held_on(self, day: dt.date) -> bool:
        return self.registered <= day and (self.cancelled is None or self.cancelled > day)


@dataclass
class Plan:
    """Decisions taken before any feed is written, because several feeds must agree on them."""

    deaths_after_pay: list[tuple[int, str]] = field(default_factory=list)  # (person, which payment)
    funeral_grants: list[int] = field(default_factory=list)
    dibao: list[int] = field(default_factory=list)  # recipients (household heads)
    dibao_bad: dict[int, str] = field(default_factory=dict)  # recipient -> reason (car/flat/company/relative)
    dibao_relative_of: dict[int, int] = field(default_factory=dict)  # recipient -> cadre (person)
    dibao_filed: list[int] = field(default_factory=list)  # cadre relatives registered separately (look-alike)
    dibao_sold_car: list[int] = field(default_factory=list)
    dibao_wheelchair: list[int] = field(default_factory=list)
    double_benefit: list[int] = field(default_factory=list)
    temporary_aid: list[int] = field(default_factory=list)
    tekun: list[int] = field(default_factory=list)  # 特困供养 recipients
    coi: list[tuple[int, int, int, str]] = field(
        default_factory=list
    )  # (official, relative, company, relation)
    coi_elsewhere: list[tuple[int, int, int, str]] = field(default_factory=list)
    coi_namesake: list[tuple[int, int, int]] = field(default_factory=list)  # (official, namesake, company)
    rings: list[list[int]] = field(default_factory=list)
    ring_link: list[int] = field(default_factory=list)  # the person linking each ring
    ring_contacts: list[int] = field(default_factory=list)  # bid contact insured by the first member
    reserved: set[int] = field(default_factory=set)  # companies kept out of ordinary bidding
    fund_cycles: list[tuple[int, int, list[int]]] = field(
        default_factory=list
    )  # (official, relative, [A, B, C])
    decl_extra_flat: dict[int, Property] = field(default_factory=dict)  # declarant -> concealed flat
    decl_company: dict[int, tuple[int, int]] = field(
        default_factory=dict
    )  # declarant -> (relative, concealed company)
    records: dict[str, Record] = field(default_factory=dict)


class CountyFeeds:
    """Writes all feeds of one county. Call :meth:`run`; read ``entries`` and ``key`` afterwards."""

    def __init__(self, county: County, root: Path, seed: int, sink: Sink, residents: int) -> None:
        self.c = county
        self.root = root
        self.seed = seed
        self.sink = sink
        self.residents = residents
        self.key = AnswerKey(county.code)
        self.plan = Plan()
        self.entries: list[Entry] = []
        self.properties: list[Property] = []
        self.props_of: dict[int, list[int]] = {}
        self.awards: list[dict[str, Any]] = []
        self.vehicles_of: dict[int, list[str]] = {}
        self.inds = industries()
        self.places = load_data("places")
        self.rows_of: dict[tuple[Any, ...], int] = {}  # (file, key) -> row, for answer-key links
        self.si_watch: dict[int, Record] = {}  # person -> record that cites their insurance rows

    # -- helpers -----------------------------------------------------------------------------

    def rng(self, label: str) -> random.Random:
        return stream(self.seed, self.c.code, label)

    def table(
        self, path: str, columns: list[Col], fmt: str, department: str, description: str, mess: Mess
    ) -> Table:
        return Table(
            self.root,
            f"{self.c.code}/{path}",
            columns,
            fmt=fmt,
            sink=self.sink,
            seed=self.seed,
            department=department,
            description=description,
            mess=mess,
        )

    def close(self, *tables: Table) -> None:
        for table in tables:
            self.entries.append(table.close())

    def p(self, index: int) -> Person:
        return self.c.people[index]

    def alive_on(self, index: int, day: dt.date) -> bool:
        death = self.p(index).death
        return death is None or death > day

    def unit_of(self, person: int) -> int:
        post = self.p(person).post
        return self.c.posts[post].unit if post >= 0 else -1

    def n(self, kind: str) -> int:
        return how_many(kind, self.residents)

    def run(self, tick: Callable[[str], None] | None = None) -> None:
        """Write every feed, in the order their dependencies need; ``tick`` hears of each step."""
        self.c.index_children()
        for step in FEED_STEPS:
            getattr(self, step)()
            if tick is not None:
                tick(step)

    # -- decisions shared by several feeds -----------------------------------------------------

    def decide(self) -> None:
        rng = self.rng("plan")
        c, plan, people = self.c, self.plan, self.c.people
        pension_age = [
            i
            for i, p in enumerate(people)
            if self.alive_on(i, d("2025-07-01")) and p.age() >= 64 and p.post < 0
        ]
        rng.shuffle(pension_age)
        # 低保 recipients: older or poorer residents without a post, car, company or second flat.
        candidates = [
            i
            for i, p in enumerate(people)
            if p.alive()
            and p.age() >= 45
            and p.post < 0
            and p.employer < 0
            and p.education in ("小学", "初中")
        ]
        owners = {co.legal_rep for co in c.companies} | {s for co in c.companies for s, _ in co.shareholders}
        candidates = [i for i in candidates if i not in owners]
        rng.shuffle(candidates)
        wanted = max(12, round(len(people) * 0.012))
        plan.dibao = sorted(candidates[:wanted])
        taken = set(plan.dibao)
        plan.tekun = sorted(candidates[wanted : wanted + max(3, wanted // 6)])
        taken |= set(plan.tekun)
        recipients = plan.dibao[:]
        rng.shuffle(recipients)
        bad = self.n("DIBAO_INELIGIBLE")
        reasons = ["car", "flat", "company", "relative"]
        for k in range(bad):
            reason = reasons[k % 4]
            if reason == "relative":
                cadres = [post.person for post in c.posts if post.category == 5 and post.leader]
                rng.shuffle(cadres)
                for cadre in cadres:
                    kin = [
                        r
                        for r, rel in c.relatives(cadre)
                        if rel in ("parent", "sibling", "in_law")
                        and self.p(r).alive()
                        and r not in taken
                        and self.p(r).post < 0
                        and r not in owners
                    ]
                    if kin:
                        plan.dibao.append(kin[0])
                        plan.dibao_bad[kin[0]] = "relative"
                        plan.dibao_relative_of[kin[0]] = cadre
                        taken.add(kin[0])
                        break
            else:
                plan.dibao_bad[recipients.pop()] = reason
        plan.dibao.sort()
        for _ in range(min(len(recipients), self.n("DIBAO_INELIGIBLE") // 2 + 1)):
            plan.dibao_sold_car.append(recipients.pop())
        plan.dibao_wheelchair.append(recipients.pop())
        for _ in range(self.n("DOUBLE_BENEFIT")):
            plan.double_benefit.append(recipients.pop())
        plan.temporary_aid.append(recipients.pop())
        for person, reason in sorted(plan.dibao_bad.items()):
            if reason == "company":
                self._company_for(person, rng)
        # Payments after death: pensioners, 低保 recipients and staff who die in July-September.
        for k in range(self.n("PAY_AFTER_DEATH")):
            which = ("pension", "dibao", "salary")[k % 3]
            if which == "pension":
                person = pension_age.pop()
            elif which == "dibao":
                pool = [i for i in recipients if i not in plan.dibao_bad]
                person = pool[k % len(pool)]
                recipients.remove(person)
            else:
                staff = [
                    post.person
                    for post in c.posts
                    if not post.leader
                    and post.category in (0, 1)
                    and self.alive_on(post.person, REFERENCE_DATE)
                ]
                person = staff[rng.randrange(len(staff))]
            people[person].death = random_date(rng, d("2025-07-02"), d("2025-09-20"))
            plan.deaths_after_pay.append((person, which))
        self._decide_filed_lookalike(recipients, taken, owners)
        for _ in range(max(2, self.n("PAY_AFTER_DEATH"))):
            # Look-alike: a pensioner dies and the family receives the one-off funeral grant afterwards.
            person = pension_age.pop()
            people[person].death = random_date(rng, d("2025-07-15"), d("2025-10-31"))
            plan.funeral_grants.append(person)
        self._decide_procurement(rng)
        # A declarant whose spouse or child holds a company that the report will leave out (瞒报).
        declarants = [post.person for post in c.posts if is_declarant(c, post)]
        rng.shuffle(declarants)
        for declarant in declarants:
            if len(plan.decl_company) >= max(1, self.n("DECL_CONCEALED") // 2):
                break
            kin = [
                r
                for r, rel in c.relatives(declarant)
                if rel in ("spouse", "child")
                and self.p(r).alive()
                and 24 <= self.p(r).age() <= 66
                and self.p(r).post < 0
            ]
            if kin and declarant not in {o for o, *_ in plan.coi}:
                plan.decl_company[declarant] = (kin[0], self._company_for(kin[0], rng))

    def _decide_filed_lookalike(self, recipients: list[int], taken: set[int], owners: set[int]) -> None:
        """Look-alike of DIBAO_INELIGIBLE: a leading cadre's relative on the 低保 roll whose application
        was registered separately (单独登记备案), as the rules ask of committee members' relatives.

        One already on the roll if there is one; otherwise (small regions) a cadre's relative joins it.
        """
        c, plan = self.c, self.plan
        leaders = {post.person for post in c.posts if post.category == 5 and post.leader and post.end is None}
        for person in recipients:
            if not leaders.isdisjoint(self._kin(person)):
                plan.dibao_filed.append(person)
                return
        rng = self.rng("plan-filed")
        cadres = sorted(leaders - set(plan.dibao_relative_of.values()))
        rng.shuffle(cadres)
        for cadre in cadres:
            kin = [
                r
                for r, rel in c.relatives(cadre)
                if rel in ("parent", "sibling", "in_law")
                and self.p(r).alive()
                and r not in taken
                and self.p(r).post < 0
                and r not in owners
            ]
            if kin:
                plan.dibao.append(kin[0])
                plan.dibao.sort()
                plan.dibao_filed.append(kin[0])
                taken.add(kin[0])
                return

    def _company_for(self, person: int, rng: random.Random, industry: int | None = None) -> int:
        """A company with ``person`` as legal representative and sole shareholder."""
        c = self.c
        choices = [
            i
            for i, co in enumerate(c.companies)
            if co.status == "存续"
            and (industry is None or co.industry == industry)
            and i not in self.plan.reserved
        ]
        if not choices:
            # A small county may have no firm of the trade: re-register another firm in it.
            choices = [
                i
                for i, co in enumerate(c.companies)
                if co.status == "存续" and co.industry >= 0 and i not in self.plan.reserved
            ]
        index = choices[rng.randrange(len(choices))]
        company = c.companies[index]
        if industry is not None and company.industry != industry:
            brand = load_data("companies")["brands"][index % 80]
            company.industry = industry
            company.name = f"{c.name[:-1]}{brand}{self.inds[industry]['name']}有限公司"
            if any(other.name == company.name for other in c.companies if other is not company):
                company.name = f"{c.name[:-1]}{brand}{brand}{self.inds[industry]['name']}有限公司"
        company.legal_rep = person
        company.shareholders = [(person, 1.0)]
        company.directors = [(person, "执行董事兼总经理")] if company.industry >= 0 else []
        self.plan.reserved.add(index)
        return index

    def _decide_procurement(self, rng: random.Random) -> None:
        c, plan = self.c, self.plan
        works = [i for i, ind in enumerate(self.inds) if ind["kind"] == "works"]
        # Bid-rigging rings: three or four firms of one trade, tied by a common shareholder.
        for _ in range(self.n("BID_RING")):
            industry = works[rng.randrange(len(works))]
            pool = [
                i
                for i, co in enumerate(c.companies)
                if co.industry == industry
                and co.status == "存续"
                and i not in plan.reserved
                and co.founded < d("2024-06-01")
            ]
            if len(pool) < 4:
                pool += [
                    i
                    for i, co in enumerate(c.companies)
                    if co.industry in works
                    and co.status == "存续"
                    and i not in plan.reserved
                    and i not in pool
                ]
            rng.shuffle(pool)
            members = pool[: rng.choice((3, 4))]
            link = c.companies[members[0]].legal_rep
            for m in members[1:]:
                member = c.companies[m]
                member.shareholders = [(p, s * 0.7) for p, s in member.shareholders] + [(link, 0.3)]
                member.phone = c.companies[members[0]].phone if rng.random() < 0.5 else member.phone
            # The bid contacts of the members are on one member's social-insurance roll.
            contact = self._stranger(rng)
            people = c.people
            people[contact].employer = members[0]
            for m in members:
                c.companies[m].contact = (
                    contact if rng.random() < 0.6 or m == members[-1] else c.companies[m].contact
                )
            plan.ring_contacts.append(contact)
            plan.rings.append(members)
            plan.ring_link.append(link)
            plan.reserved |= set(members)
        # Conflicts of interest: a relative of a leader of a buying unit runs a company.
        leaders = [
            post for post in c.posts if post.leader and c.units[post.unit].buys and post.category in (1, 3, 4)
        ]
        rng.shuffle(leaders)
        used: set[int] = set()
        for post in leaders:
            if (
                len(plan.coi) >= self.n("COI_RELATIVE_SUPPLIER")
                and len(plan.coi_elsewhere) >= 1
                and len(plan.fund_cycles) >= self.n("FUND_CYCLE")
            ):
                break
            kin = [
                (r, rel)
                for r, rel in c.relatives(post.person)
                if rel in ("spouse", "child", "sibling", "in_law")
                and self.p(r).alive()
                and 24 <= self.p(r).age() <= 66
                and self.p(r).post < 0
                and r not in used
            ]
            if not kin:
                continue
            relative, relation = kin[rng.randrange(len(kin))]
            used.add(relative)
            used.add(post.person)
            if len(plan.coi) < self.n("COI_RELATIVE_SUPPLIER"):
                company = self._company_for(relative, rng, self._industry_for(c.units[post.unit].buys, rng))
                plan.coi.append((post.person, relative, company, relation))
            elif not plan.coi_elsewhere:
                company = self._company_for(relative, rng, self._industry_for("mixed", rng))
                plan.coi_elsewhere.append((post.person, relative, company, relation))
            else:
                chain = [
                    self._company_for(relative if k == 2 else self._stranger(rng), rng) for k in range(3)
                ]
                # The first company sells to the unit; the last is the relative's own.
                plan.fund_cycles.append((post.person, relative, chain))
        # A namesake (重名) of a leader holds shares in a company that wins at the leader's unit.
        by_name: dict[str, list[int]] = {}
        for i, person in enumerate(c.people):
            if person.alive() and 25 <= person.age() <= 66 and person.post < 0:
                by_name.setdefault(person.name, []).append(i)
        for post in leaders:
            twins = [
                i for i in by_name.get(self.p(post.person).name, []) if i != post.person and i not in used
            ]
            if twins and post.person not in used:
                company = self._company_for(twins[0], rng, self._industry_for(c.units[post.unit].buys, rng))
                plan.coi_namesake.append((post.person, twins[0], company))
                break

    def _stranger(self, rng: random.Random) -> int:
        while True:
            i = rng.randrange(len(self.c.people))
            person = self.c.people[i]
            if (
                person.alive()
                and 25 <= person.age() <= 65
                and person.post < 0
                and i not in self.plan.dibao
                and i not in self.plan.tekun
            ):
                return i

    def _industry_for(self, buys: str, rng: random.Random) -> int:
        kinds = {
            "works": ("works",),
            "goods": ("goods",),
            "medical": ("goods",),
            "village": ("works",),
            "services": ("services",),
        }.get(buys, ("goods", "services", "works"))
        if buys == "medical":
            return next(i for i, ind in enumerate(self.inds) if ind["name"] == "医疗器械")
        options = [i for i, ind in enumerate(self.inds) if ind["kind"] in kinds]
        return options[rng.randrange(len(options))]

    # -- 公安: household register and death register -------------------------------------------

    def population(self) -> None:
        c, people = self.c, self.c.people
        register = self.table(
            "population/residents.csv",
            [Col("户号"), Col("姓名", "name"), Col("性别"), Col("公民身份号码", "id"), Col("出生日期", "date"),
             Col("与户主关系"), Col("户籍地址"), Col("所属村居代码"), Col("父亲公民身份号码", "id", True),
             Col("母亲公民身份号码", "id", True), Col("配偶公民身份号码", "id", True), Col("联系电话", "phone", True),
             Col("文化程度", optional=True), Col("人员状态"), Col("变动日期", "date", True), Col("变动原因", optional=True)],
            "csv", "公安局户政", "常住人口登记 (household register), one row per person ever registered since 2024",
            Mess(blank=0.01, duplicate=0.001, fullwidth=0.002, spaces=0.003, invalid_id=0.0005, typo=0.002),
        )  # fmt: skip
        deaths = self.table(
            "population/deaths.csv",
            [Col("死亡登记编号"), Col("姓名", "name"), Col("公民身份号码", "id"), Col("性别"), Col("死亡日期", "date"),
             Col("死亡地点", optional=True), Col("死亡原因", optional=True), Col("登记日期", "date"), Col("登记机关")],
            "csv", "民政局/卫健局/公安局", "死亡登记 (death register) for 2024-2025",
            Mess(blank=0.02, fullwidth=0.005, date_styles=("iso", "slash"), alt_date=0.2, invalid_id=0.001),
        )  # fmt: skip
        plan = self.plan
        planted_deaths = {person for person, _ in plan.deaths_after_pay} | set(plan.funeral_grants)
        # Rows that answer-key kinship checks read keep their father/mother/spouse columns intact.
        watched = set(planted_deaths) | set(plan.dibao_relative_of) | set(plan.dibao_relative_of.values())
        watched |= {p for o, r, *_ in plan.coi + plan.coi_elsewhere for p in (o, r)} | {
            p for o, r, _ in plan.fund_cycles for p in (o, r)
        }
        watched |= {people[p].spouse for p in list(watched) if people[p].spouse >= 0}
        since = d("2024-01-01")
        for h, members in enumerate(c.households):
            head = members[0] if members else -1
            for m in members:
                person = people[m]
                if person.death is not None and person.death < since:
                    continue  # removed from the register (注销) before the extract's period
                village = c.villages[person.village]
                relation = (
                    "户主"
                    if m == head
                    else "配偶"
                    if person.spouse == head
                    else "子女"
                    if head in (person.father, person.mother)
                    else "其他"
                )
                status, changed, reason = "正常", None, ""
                if person.death is not None:
                    status, changed, reason = "注销", person.death, "死亡"
                elif person.birth >= since:
                    changed, reason = person.birth, "出生"
                row = register.write(
                    [f"{c.code}{h:07d}", person.name, "男" if person.male else "女", person.id_number, person.birth, relation,
                     f"{c.towns[village.town].name}{village.name}{h % 300 + 1}号", village.code,
                     people[person.father].id_number if person.father >= 0 else "",
                     people[person.mother].id_number if person.mother >= 0 else "",
                     people[person.spouse].id_number if person.spouse >= 0 else "",
                     person.phone, person.education, status, changed, reason],
                    {"姓名": person.pid},
                    protect=m in watched,
                )  # fmt: skip
                self.rows_of[("residents", m)] = row
        rng = self.rng("deaths")
        dead = sorted(
            (p.death, i)
            for i, p in enumerate(people)
            if p.death is not None and p.death >= since and p.death <= REFERENCE_DATE
        )
        for number, (death, i) in enumerate(dead):
            person = people[i]
            registered = death + dt.timedelta(days=rng.randint(1, 40))
            if registered > REFERENCE_DATE:
                registered = REFERENCE_DATE
            row = deaths.write(
                [f"SW{c.code}{number:06d}", person.name, person.id_number, "男" if person.male else "女", death,
                 rng.choice(("医院", "家中", "家中", "养老机构")), rng.choice(("疾病", "疾病", "疾病", "衰老", "意外")),
                 registered, f"{c.name}民政局"],
                {"姓名": person.pid}, protect=i in planted_deaths,
            )  # fmt: skip
            self.rows_of[("deaths", i)] = row
        self.close(register, deaths)

    # -- 组织部/人社局: roster of public staff --------------------------------------------------

    def roster(self) -> None:
        c, rng = self.c, self.rng("roster")
        table = self.table(
            "hr/roster.xlsx",
            [Col("序号", "int"), Col("姓名", "name"), Col("性别"), Col("身份证号", "id"), Col("出生年月", "date"),
             Col("工作单位"), Col("单位统一社会信用代码", "uscc"), Col("职务"), Col("职级", optional=True),
             Col("人员类别"), Col("监察对象类别", "int"), Col("是否领导职务"), Col("政治面貌"), Col("学历", optional=True),
             Col("任职时间", "date"), Col("离任时间", "date", True), Col("联系电话", "phone", True)],
            "xlsx", "组织部/人力资源和社会保障局", "机关事业单位及国企、村社干部花名册 (staff roster with Art. 15 category)",
            Mess(blank=0.02, duplicate=0.003, fullwidth=0.01, spaces=0.02, typo=0.01, invalid_id=0.002, date_styles=("excel", "cn", "slash"), alt_date=0.25),
        )  # fmt: skip
        # Transfers between units in 2025 (调动): the old post ends, a new one starts the next day.
        moves = [i for i, post in enumerate(c.posts) if not post.leader and post.category == 1]
        rng.shuffle(moves)
        organs = [u for u, unit in enumerate(c.units) if unit.unit_type == "government_department"]
        for i in moves[: max(2, len(moves) // 150)]:
            post = c.posts[i]
            post.end = random_date(rng, d("2025-07-31"), d("2025-10-31"))
            post.end = post.end.replace(day=1) - dt.timedelta(days=1)
            new_unit = organs[rng.randrange(len(organs))]
            if new_unit == post.unit:
                new_unit = organs[(organs.index(new_unit) + 1) % len(organs)]
            new = model.Post(
                post.person,
                new_unit,
                post.position,
                post.rank,
                post.staff_type,
                post.category,
                False,
                post.end + dt.timedelta(days=1),
            )
            c.posts.append(new)
            c.people[post.person].post = len(c.posts) - 1
        off_roster = self._off_roster()
        order = sorted(
            (i for i in range(len(c.posts)) if i not in off_roster),
            key=lambda i: (c.posts[i].unit, not c.posts[i].leader, i),
        )
        for number, i in enumerate(order, start=1):
            post = c.posts[i]
            person, unit = c.people[post.person], c.units[post.unit]
            row = table.write(
                [number, person.name, "男" if person.male else "女", person.id_number, person.birth.replace(day=1), unit.name, unit.uscc,
                 post.position, post.rank, post.staff_type, post.category, "是" if post.leader else "否",
                 "中共党员" if person.party else "群众", person.education, post.start, post.end, person.phone],
                {"姓名": person.pid}, protect=post.leader or post.end is not None,
            )  # fmt: skip
            self.rows_of[("roster", i)] = row
        self.close(table)

    def _off_roster(self) -> set[int]:
        """Posts the HR roster leaves out (漏报): staff of units managed as civil servants (参公) and
        of village and residents' committees, paid on the unit's payroll and insured by it but
        missing from the 花名册. The registry must find them from payroll and social insurance.

        Only posts no planted scheme cites by roster row are taken (non-leading, current, category 2
        or 5), from a stream of their own so that every other feed is written as before.
        """
        c, rng = self.c, self.rng("off_roster")
        eligible = [
            i
            for i, post in enumerate(c.posts)
            if not post.leader
            and post.end is None
            and post.category in (2, 5)
            and c.people[post.person].post == i
            and self.alive_on(post.person, REFERENCE_DATE)
        ]
        chosen = sorted(rng.sample(eligible, min(len(eligible), max(1, len(eligible) // 8))))
        for i in chosen:
            post, unit = c.posts[i], c.units[c.posts[i].unit]
            person = c.people[post.person]
            self.key.off_roster.append(
                {"person": person.pid, "id_number": person.id_number, "name": person.name, "unit": unit.uscc,
                 "unit_name": unit.name, "unit_type": unit.unit_type, "division": unit.division,
                 "position": post.position, "category": post.category, "start": post.start.isoformat(),
                 "reason": "left off the HR roster (花名册); paid on the unit's payroll and insured by it"}
            )  # fmt: skip
        return set(chosen)

    # -- 市场监管局: company register (GBK CSV, as exported from the old system) ------------------

    def registry(self) -> None:
        c = self.c
        mess = Mess(
            blank=0.03,
            duplicate=0.002,
            spaces=0.01,
            fullwidth=0.003,
            invalid_id=0.002,
            traditional=0.005,
            date_styles=("compact", "iso"),
            alt_date=0.15,
        )
        companies = self.table(
            "registry/companies.csv",
            [Col("统一社会信用代码", "uscc"), Col("企业名称"), Col("企业类型"), Col("法定代表人", "name"), Col("法定代表人证件号码", "id"),
             Col("成立日期", "date"), Col("注册资本(万元)", "int", True), Col("行业"), Col("住所"), Col("联系电话", "phone", True),
             Col("从业人数", "int", True), Col("登记状态"), Col("登记机关")],
            "csv-gbk", "市场监督管理局", "企业及个体工商户登记信息 (company register)", mess,
        )  # fmt: skip
        holders = self.table(
            "registry/shareholders.csv",
            [Col("统一社会信用代码", "uscc"), Col("企业名称"), Col("股东名称", "name"), Col("股东类型"), Col("证件号码", "id"),
             Col("股东统一社会信用代码", "uscc", True), Col("认缴出资额(万元)", "money"), Col("出资比例"), Col("出资日期", "date", True)],
            "csv-gbk", "市场监督管理局", "股东及出资信息 (shareholders)", mess,
        )  # fmt: skip
        officers = self.table(
            "registry/officers.csv",
            [Col("统一社会信用代码", "uscc"), Col("企业名称"), Col("姓名", "name"), Col("证件号码", "id"), Col("职务")],
            "csv-gbk", "市场监督管理局", "主要人员 (directors, supervisors, managers)", mess,
        )  # fmt: skip
        protected = self.plan.reserved
        for k, co in enumerate(c.companies):
            rep = c.people[co.legal_rep]
            kind = (
                "个体工商户"
                if co.industry < 0
                else ("股份有限公司" if "股份" in co.name else "有限责任公司(自然人投资或控股)")
            )
            row = companies.write(
                [co.uscc, co.name, kind, rep.name, rep.id_number, co.founded, co.capital,
                 self.inds[co.industry]["name"] if co.industry >= 0 else "零售业", co.address, co.phone, co.staff, co.status,
                 f"{c.name}市场监督管理局"],
                {"法定代表人": rep.pid}, protect=k in protected,
            )  # fmt: skip
            self.rows_of[("companies", k)] = row
            for person, share in co.shareholders:
                holder = c.people[person]
                row = holders.write(
                    [co.uscc, co.name, holder.name, "自然人股东", holder.id_number, "", float(round(co.capital * share, 2)),
                     f"{share * 100:.2f}%", co.founded],
                    {"股东名称": holder.pid}, protect=k in protected,
                )  # fmt: skip
                self.rows_of[("shareholders", k, person)] = row
            for parent, share in co.company_shareholders:
                owner = c.companies[parent]
                holders.write(
                    [
                        co.uscc,
                        co.name,
                        owner.name,
                        "企业法人",
                        "",
                        owner.uscc,
                        float(round(co.capital * share, 2)),
                        f"{share * 100:.2f}%",
                        co.founded,
                    ]
                )
            for person, role in co.directors:
                row = officers.write(
                    [co.uscc, co.name, c.people[person].name, c.people[person].id_number, role],
                    {"姓名": c.people[person].pid},
                    protect=k in protected,
                )
                self.rows_of[("officers", k, person)] = row
        self.close(companies, holders, officers)

    # -- 自然资源和规划局: real-estate register -----------------------------------------------

    def real_estate(self) -> None:
        c, rng, plan = self.c, self.rng("realestate"), self.plan
        table = self.table(
            "realestate/properties.csv",
            [Col("不动产权证号"), Col("权利人", "name"), Col("权利人证件号", "id"), Col("共有人", "name", True), Col("共有人证件号", "id", True),
             Col("坐落"), Col("用途"), Col("建筑面积(㎡)", "money"), Col("登记类型"), Col("登记日期", "date"),
             Col("权属状态"), Col("注销日期", "date", True)],
            "csv", "自然资源和规划局不动产登记中心", "不动产登记 (real-estate rights), current and cancelled",
            Mess(blank=0.01, duplicate=0.002, fullwidth=0.01, spaces=0.01, typo=0.01, traditional=0.005, invalid_id=0.001, legacy_id=0.03, date_styles=("slash", "iso", "cn"), alt_date=0.15),
        )  # fmt: skip
        places = self.places
        serial = 0
        dibao = set(plan.dibao) | set(plan.tekun)

        def add(
            owner: int,
            co_owner: int,
            use: str,
            area: float,
            registered: dt.date,
            cancelled: dt.date | None = None,
            town: int | None = None,
        ) -> Property:
            nonlocal serial
            serial += 1
            village = c.villages[c.people[owner].village]
            town_name = c.towns[village.town if town is None else town].name
            street = (
                places["street_head"][serial % len(places["street_head"])]
                + places["street_suffix"][serial % 5]
            )
            if use == "住宅":
                address = f"{c.name}{town_name}{street}{rng.randint(1, 200)}号{rng.randint(1, 30)}幢{rng.randint(1, 3)}单元{rng.randint(1, 28)}0{rng.randint(1, 4)}室"
            elif use == "车位":
                address = f"{c.name}{town_name}{street}{rng.randint(1, 200)}号地下车位B{rng.randint(1, 600)}"
            else:
                address = f"{c.name}{town_name}{street}{rng.randint(1, 200)}号{rng.randint(1, 30)}幢{rng.randint(101, 130)}"
            prop = Property(
                f"浙({registered.year}){c.name}不动产权第{c.index:02d}{serial:07d}号",
                owner,
                co_owner,
                address,
                use,
                area,
                registered,
                cancelled,
            )
            self.properties.append(prop)
            self.props_of.setdefault(owner, []).append(len(self.properties) - 1)
            if co_owner >= 0:
                self.props_of.setdefault(co_owner, []).append(len(self.properties) - 1)
            return prop

        for members in c.households:
            if not members:
                continue
            head = members[0]
            person = c.people[head]
            if person.death is not None and person.death < d("2024-01-01"):
                continue
            if rng.random() < 0.9:
                co_owner = person.spouse if person.spouse >= 0 and rng.random() < 0.6 else -1
                registered = random_date(
                    rng,
                    max(dt.date(2000, 1, 1), person.birth.replace(year=person.birth.year + 24)),
                    REFERENCE_DATE,
                )
                add(head, co_owner, "住宅", round(rng.uniform(60, 160), 2), registered, town=None)
            if head not in dibao and rng.random() < 0.22:
                add(
                    head,
                    -1,
                    "住宅",
                    round(rng.uniform(50, 140), 2),
                    random_date(rng, dt.date(2008, 1, 1), REFERENCE_DATE),
                )
                if rng.random() < 0.2:
                    # Sold later (转移登记): the right of this owner is cancelled.
                    self.properties[-1].cancelled = random_date(
                        rng, self.properties[-1].registered, REFERENCE_DATE
                    )
            if head not in dibao and rng.random() < 0.12:
                add(
                    head,
                    -1,
                    "车位",
                    round(rng.uniform(12, 16), 2),
                    random_date(rng, dt.date(2012, 1, 1), REFERENCE_DATE),
                )
        for who, reason in sorted(plan.dibao_bad.items()):
            if reason == "flat":
                # Two flats at least: the home plus one in the county seat (one's own home is allowed).
                while (
                    sum(
                        1
                        for k in self.props_of.get(who, [])
                        if self.properties[k].owner == who
                        and self.properties[k].use == "住宅"
                        and self.properties[k].cancelled is None
                    )
                    < 2
                ):
                    add(
                        who,
                        -1,
                        "住宅",
                        round(rng.uniform(80, 130), 2),
                        random_date(rng, d("2019-01-01"), d("2023-12-31")),
                        town=0,
                    )
        # Declarants' concealed flats: bought by the spouse before the report's cut-off date.
        declarants = [
            post.person
            for post in c.posts
            if is_declarant(c, post)
            and c.people[post.person].spouse >= 0
            and c.people[c.people[post.person].spouse].alive()
        ]
        rng.shuffle(declarants)
        self.declarant_order = declarants
        for declarant in declarants[: self.n("DECL_CONCEALED") // 2 + 1]:
            spouse = c.people[declarant].spouse
            plan.decl_extra_flat[declarant] = add(
                spouse,
                -1,
                "住宅",
                round(rng.uniform(90, 180), 2),
                random_date(rng, d("2020-01-01"), d("2024-10-31")),
                town=0,
            )
        for k, prop in enumerate(self.properties):
            owner, co = c.people[prop.owner], (c.people[prop.co_owner] if prop.co_owner >= 0 else None)
            persons = {"权利人": owner.pid} | ({"共有人": co.pid} if co else {})
            row = table.write(
                [prop.number, owner.name, owner.id_number, co.name if co else "", co.id_number if co else "", prop.address, prop.use, prop.area,
                 "首次登记" if rng.random() < 0.6 else "转移登记", prop.registered, "注销" if prop.cancelled else "现势", prop.cancelled],
                persons, protect=prop.owner in plan.dibao_bad or any(prop is p for p in plan.decl_extra_flat.values()) or prop.owner in self._declarant_family(),
            )  # fmt: skip
            self.rows_of[("properties", k)] = row
        self.close(table)

    def _kin(self, index: int) -> set[int]:
        """Relatives as DIBAO_INELIGIBLE counts them from the family register: spouse, parents,
        children, siblings, and in-laws both ways (配偶的父母和兄弟姐妹、子女和兄弟姐妹的配偶)."""
        c = self.c

        def siblings(i: int) -> set[int]:
            person = c.people[i]
            return {
                k for parent in (person.father, person.mother) if parent >= 0 for k in c.children_of(parent)
            } - {i}

        me = c.people[index]
        found = {r for r, _ in c.relatives(index)} | siblings(index)
        if me.spouse >= 0:
            found |= siblings(me.spouse)
        for other in [*c.children_of(index), *siblings(index)]:
            if c.people[other].spouse >= 0:
                found.add(c.people[other].spouse)
        found.discard(index)
        return found

    def _declarant_family(self) -> set[int]:
        cached: set[int] | None = getattr(self, "_family_cache", None)
        if cached is None:
            cached = set()
            for post in self.c.posts:
                if is_declarant(self.c, post):
                    cached.add(post.person)
                    spouse = self.c.people[post.person].spouse
                    if spouse >= 0:
                        cached.add(spouse)
            self._family_cache = cached
        return cached

    # -- 公安交管: vehicle register (xlsx) --------------------------------------------------------

    def vehicles(self) -> None:
        c, rng, plan = self.c, self.rng("vehicles"), self.plan
        table = self.table(
            "vehicles/vehicles.xlsx",
            [Col("号牌号码"), Col("号牌种类"), Col("车辆类型"), Col("品牌型号"), Col("所有人", "name"), Col("身份证明号码", "id"),
             Col("初次登记日期", "date"), Col("机动车状态"), Col("状态变更日期", "date", True), Col("使用性质"), Col("燃料种类", optional=True)],
            "xlsx", "公安局交通警察大队", "机动车登记信息 (vehicle register)",
            Mess(blank=0.02, duplicate=0.002, fullwidth=0.01, spaces=0.01, typo=0.015, pinyin=0.0, invalid_id=0.002, date_styles=("excel", "slash", "compact"), alt_date=0.2),
        )  # fmt: skip
        letter = "MNPQRSTUVWXY"[int(c.city_code[2:]) - 12]
        models = [
            "大众朗逸",
            "丰田卡罗拉",
            "本田雅阁",
            "吉利帝豪",
            "比亚迪秦PLUS",
            "别克英朗",
            "日产轩逸",
            "特斯拉Model 3",
            "宝马525Li",
            "奥迪A6L",
            "五菱宏光",
            "长安CS75",
        ]
        serial = 0
        dibao = set(plan.dibao) | set(plan.tekun)
        self.plates: dict[int, str] = {}

        def plate() -> str:
            # Five characters after the city letter, unique in the city: each county of a city has
            # its own six leading letters (144,000 plates), then a letter and three digits.
            nonlocal serial
            serial += 1
            alphabet = "ABCDEFHJKLMNPQRSTUVWXYZ"
            first = (c.index % 4) * 5 + min(serial // 23_000, 4)
            return f"浙{letter}{alphabet[first]}{alphabet[(serial // 1000) % 23]}{serial % 1000:03d}"

        def write(
            owner: int,
            model_name: str,
            kind: str,
            registered: dt.date,
            status: str = "正常",
            changed: dt.date | None = None,
            protect: bool = False,
            use: str = "非营运",
        ) -> int:
            person = c.people[owner]
            number = plate()
            self.vehicles_of.setdefault(owner, []).append(number)
            return table.write(
                [number, "小型汽车" if kind != "残疾人专用车" else "残疾人专用", kind, model_name, person.name, person.id_number, registered, status, changed, use,
                 "电" if "特斯拉" in model_name or "比亚迪" in model_name else "汽油"],
                {"所有人": person.pid}, protect=protect,
            )  # fmt: skip

        for i, person in enumerate(c.people):
            if i in dibao or not person.alive() or not 22 <= person.age() <= 75:
                continue
            if rng.random() < (0.45 if person.male else 0.18):
                write(
                    i, rng.choice(models), "小型轿车", random_date(rng, dt.date(2010, 1, 1), REFERENCE_DATE)
                )
        for who, reason in sorted(plan.dibao_bad.items()):
            if reason == "car":
                row = write(
                    who,
                    rng.choice(models[:6]),
                    "小型轿车",
                    random_date(rng, d("2020-01-01"), d("2023-12-31")),
                    protect=True,
                )
                self.rows_of[("vehicle", who)] = row
        for who in plan.dibao_sold_car:
            # Look-alike: the car was transferred away before the benefit began.
            row = write(
                who,
                rng.choice(models[:6]),
                "小型轿车",
                d("2016-05-10"),
                "转出",
                random_date(rng, d("2019-01-01"), d("2021-12-31")),
                protect=True,
            )
            record = self.key.lookalike(
                "DIBAO_INELIGIBLE",
                "the car was transferred away (转出) before the recipient applied; a rule that ignores the vehicle status flags it",
            )
            record.entity("Person", c.people[who].pid, "recipient")
            record.row(table.path, row, "vehicle")
            self.plan.records[f"sold{who}"] = record
        for who in plan.dibao_wheelchair:
            row = write(
                who,
                "残疾人机动轮椅车",
                "残疾人专用车",
                random_date(rng, d("2018-01-01"), d("2023-12-31")),
                protect=True,
            )
            record = self.key.lookalike(
                "DIBAO_INELIGIBLE",
                "a disabled person's motorised wheelchair (残疾人专用车) does not count as owning a car",
            )
            record.entity("Person", c.people[who].pid, "recipient")
            record.row(table.path, row, "vehicle")
            self.plan.records[f"wheel{who}"] = record
        self.close(table)

    # -- 税务局: tax paid ------------------------------------------------------------------------

    def tax(self) -> None:
        c, rng = self.c, self.rng("tax")
        table = self.table(
            "tax/tax_paid.csv",
            [Col("纳税人识别号", "uscc"), Col("纳税人名称"), Col("所属年度", "int"), Col("税种"), Col("实缴税额(元)", "money"), Col("征收方式")],
            "csv", "国家税务总局" + c.name + "税务局", "企业年度实缴税款 (tax paid per company, year and tax)",
            Mess(duplicate=0.001, spaces=0.005, invalid_id=0.001),
        )  # fmt: skip
        for co in c.companies:
            for year in (2024, 2025):
                if co.founded.year > year:
                    continue
                if co.industry < 0:
                    table.write(
                        [co.uscc, co.name, year, "增值税", float(round(rng.uniform(0, 3000), 2)), "定期定额"]
                    )
                    continue
                base = co.staff * rng.uniform(2000, 15000)
                if co.status != "存续" or (co.founded.year >= 2024 and rng.random() < 0.5):
                    base *= 0.05
                table.write([co.uscc, co.name, year, "增值税", float(round(base, 2)), "查账征收"])
                table.write(
                    [
                        co.uscc,
                        co.name,
                        year,
                        "企业所得税",
                        float(round(base * rng.uniform(0.1, 0.4), 2)),
                        "查账征收",
                    ]
                )
        self.close(table)

    # -- 公共资源交易中心/财政局: procurement (tenders, bids, bonds, awards) and OCDS -------------

    def _meta(self, company: int) -> dict[str, str]:
        """A firm's own bid-file fingerprint: the machine it makes bid files on, its MAC and IP."""
        import hashlib

        h = hashlib.sha256(self.c.companies[company].uscc.encode()).hexdigest().upper()
        contact = self.c.companies[company].contact
        author = self.c.people[contact].name if contact >= 0 else "Administrator"
        return {
            "machine": h[:8] + "-" + h[8:16] + "-" + h[16:24],
            "mac": "-".join(h[24 + 2 * i : 26 + 2 * i] for i in range(6)),
            "ip": f"{int(h[36:38], 16) % 90 + 36}.{int(h[38:40], 16)}.{int(h[40:42], 16)}.{int(h[42:44], 16) % 250 + 2}",
            "author": author,
        }

    def procurement(self) -> None:
        c, rng, plan = self.c, self.rng("procurement"), self.plan
        mess = Mess(
            duplicate=0.001, spaces=0.005, invalid_id=0.001, date_styles=("iso", "slash"), alt_date=0.05
        )
        self.t_tenders = self.table(
            "procurement/tenders.csv",
            [Col("项目编号"), Col("项目名称"), Col("采购单位"), Col("采购单位统一社会信用代码", "uscc"), Col("采购类别"), Col("采购方式"),
             Col("预算金额(元)", "money"), Col("公告日期", "date"), Col("投标截止时间", "datetime", True), Col("开标时间", "datetime", True), Col("项目状态")],
            "csv", "公共资源交易中心", "采购项目及招标公告 (procurements and tender notices)", mess,
        )  # fmt: skip
        self.t_bids = self.table(
            "procurement/bids.csv",
            [Col("投标编号"), Col("项目编号"), Col("投标人"), Col("投标人统一社会信用代码", "uscc"), Col("投标报价(元)", "money"),
             Col("递交时间", "datetime"), Col("文件制作机器码"), Col("网卡MAC地址"), Col("上传IP地址"), Col("文档作者", optional=True),
             Col("联系人", "name"), Col("联系电话", "phone"), Col("是否有效"), Col("无效原因", optional=True)],
            "csv", "公共资源交易中心", "投标文件及其制作信息 (bids with bid-file metadata)", mess,
        )  # fmt: skip
        self.t_bonds = self.table(
            "procurement/bid_bonds.csv",
            [Col("保证金编号"), Col("项目编号"), Col("投标人"), Col("投标人统一社会信用代码", "uscc"), Col("缴纳金额(元)", "money"),
             Col("付款账号"), Col("付款户名"), Col("付款银行"), Col("缴纳时间", "datetime"), Col("缴纳方式")],
            "csv", "公共资源交易中心", "投标保证金缴纳记录 (bid bonds and the paying account)", mess,
        )  # fmt: skip
        self.t_awards = self.table(
            "procurement/awards.csv",
            [Col("合同编号"), Col("项目编号"), Col("采购单位"), Col("采购单位统一社会信用代码", "uscc"), Col("中标供应商"),
             Col("供应商统一社会信用代码", "uscc"), Col("中标金额(元)", "money"), Col("采购内容"), Col("采购方式"), Col("中标日期", "date"), Col("合同签订日期", "date")],
            "csv", "财政局政府采购监管科", "中标及合同信息 (awards and contracts)", mess,
        )  # fmt: skip
        self.t_ocds = self.table(
            "procurement/ocds_releases.jsonl",
            [],
            "jsonl",
            "公共资源交易中心",
            "OCDS 1.1 compiled releases, one per procurement",
            Mess(),
        )
        self.tender_serial = 0
        self.guarantor_rows: list[int] = []
        hall_ip = "218.75.12.66"  # the trading centre's bidding-hall network: every bid made there shares it
        buyers = [u for u, unit in enumerate(c.units) if unit.buys]
        per_buyer = {"works": 7, "mixed": 4, "goods": 3, "medical": 5, "services": 3, "village": 2}
        by_industry: dict[int, list[int]] = {}
        for i, co in enumerate(c.companies):
            if co.industry >= 0 and co.status == "存续" and i not in plan.reserved:
                by_industry.setdefault(co.industry, []).append(i)
        lookalike_ip = lookalike_author = None
        for u in buyers:
            unit = c.units[u]
            for _ in range(rng.randint(1, per_buyer[unit.buys] * 2 - 1)):
                industry = self._industry_for(unit.buys, rng)
                low, high = self.inds[industry]["contract"]
                if unit.buys == "village":
                    high = min(high, 900_000)
                value = round(low * (high / low) ** rng.random(), -3)
                publish = random_date(rng, d("2025-01-06"), d("2025-11-20"))
                firms = [f for f in by_industry.get(industry, []) if c.companies[f].founded < publish]
                if value < 200_000 or len(firms) < 2:
                    if firms:
                        self._procure(
                            u,
                            industry,
                            value,
                            publish,
                            [],
                            firms[rng.randrange(len(firms))],
                            "直接采购" if value < 200_000 else "询价",
                            rng,
                        )
                    continue
                rng.shuffle(firms)
                chosen = firms[: rng.randint(1, min(7, len(firms)))]
                bids = []
                for f in chosen:
                    meta = self._meta(f)
                    bid = {"company": f, "price": round(value * rng.uniform(0.82, 0.995), -2), **meta}
                    if rng.random() < 0.08:
                        bid["ip"] = hall_ip
                    if rng.random() < 0.12:
                        bid["author"] = rng.choice(("Administrator", "微软用户", "User"))
                    if rng.random() < 0.04 and len(chosen) > 1:
                        bid["qualified"] = False
                    bids.append(bid)
                valid = [b for b in bids if b.get("qualified", True)] or bids
                winner = min(valid, key=lambda b: b["price"])["company"]
                method = "公开招标" if value >= TENDER_THRESHOLD else "竞争性磋商"
                rows = self._procure(u, industry, value, publish, bids, winner, method, rng)
                hall = [r for b, r in zip(bids, rows["bids"], strict=True) if b["ip"] == hall_ip]
                if len(hall) >= 2 and lookalike_ip is None:
                    lookalike_ip = self.key.lookalike(
                        "BID_RING",
                        "bids uploaded from the trading centre's bidding hall share its public IP; the machine codes and MACs differ and the firms are unrelated",
                    )
                    for r in hall:
                        lookalike_ip.row(self.t_bids.path, r, "bid")
                generic = [
                    r
                    for b, r in zip(bids, rows["bids"], strict=True)
                    if b["author"] in ("Administrator", "微软用户", "User")
                ]
                if len(generic) >= 2 and lookalike_author is None:
                    lookalike_author = self.key.lookalike(
                        "BID_RING",
                        "'Administrator'/'微软用户' is the default author of a word processor, shared by unrelated firms",
                    )
                    for r in generic:
                        lookalike_author.row(self.t_bids.path, r, "bid")
        if len(self.guarantor_rows) >= 2:
            record = self.key.lookalike(
                "BID_RING",
                "bid bonds paid by a guarantee company (保函) come from its one account for many unrelated bidders",
            )
            for r in self.guarantor_rows:
                record.row(self.t_bonds.path, r, "bond")
        self._plant_rings(rng)
        self._plant_coi(rng)
        self._plant_splits(rng, by_industry)
        self._plant_single_buyer(rng, by_industry)
        self.close(self.t_tenders, self.t_bids, self.t_bonds, self.t_awards, self.t_ocds)

    def _procure(
        self,
        unit_index: int,
        industry: int,
        value: float,
        publish: dt.date,
        bids: list[dict[str, Any]],
        winner: int,
        method: str,
        rng: random.Random,
        *,
        protect: bool = False,
        short: bool = False,
        record: Record | None = None,
        price: float | None = None,
        cycle: int = -1,
        item: str | None = None,
    ) -> dict[str, Any]:
        """Write one procurement across the tender, bid, bond and award files and the OCDS release;
        ``item`` (采购内容) stands in for the industry's usual item."""
        c = self.c
        unit = c.units[unit_index]
        self.tender_serial += 1
        number = f"{c.code}-2025-{self.tender_serial:05d}"
        ind = self.inds[industry]
        days = rng.randint(5, 12) if short or (bids and rng.random() < 0.05) else rng.randint(20, 30)
        deadline = dt.datetime.combine(publish + dt.timedelta(days=days), dt.time(9, 30))
        item = item or ind["item"]
        title = f"{unit.name}{item}项目"
        category = {"goods": "货物", "works": "工程", "services": "服务"}[ind["kind"]]
        competitive = bool(bids)
        rows: dict[str, Any] = {"bids": [], "bonds": []}
        rows["tender"] = self.t_tenders.write(
            [number, title, unit.name, unit.uscc, category, method, float(value), publish, deadline if competitive else None, deadline if competitive else None, "已成交"],
            protect=protect,
        )  # fmt: skip
        parties: dict[str, dict[str, Any]] = {
            unit.uscc: {
                "id": unit.uscc,
                "name": unit.name,
                "identifier": {"scheme": "CN-USCC", "id": unit.uscc},
                "roles": ["buyer"],
            }
        }
        details = []
        for k, bid in enumerate(bids):
            co = c.companies[bid["company"]]
            contact = c.people[co.contact if co.contact >= 0 else co.legal_rep]
            submitted = deadline - dt.timedelta(minutes=rng.randint(10, 60 * 72))
            qualified = bid.get("qualified", True)
            rows["bids"].append(self.t_bids.write(
                [f"{number}-B{k + 1:02d}", number, co.name, co.uscc, float(bid["price"]), submitted, bid["machine"], bid["mac"], bid["ip"],
                 bid["author"], contact.name, contact.phone, "有效" if qualified else "无效", "" if qualified else rng.choice(("资格审查不通过", "未按要求签章", "报价超过最高限价"))],
                {"联系人": contact.pid}, protect=protect,
            ))  # fmt: skip
            payer = bid.get("bond_payer")
            if payer is None:
                if rng.random() < 0.1:
                    # A guarantee company's letter (保函) paid from its own account: shared by unrelated bidders.
                    payer = ("3301000088000000001", load_data("companies")["guarantors"][0], "农商银行")
                else:
                    account = c.accounts[co.accounts[0]]
                    payer = (account.number, co.name, account.bank)
            rows["bonds"].append(self.t_bonds.write(
                [f"{number}-G{k + 1:02d}", number, co.name, co.uscc, float(min(round(value * 0.02, -2), 800_000)), payer[0], payer[1], payer[2],
                 submitted - dt.timedelta(hours=rng.randint(2, 48)), "保函" if "担保" in payer[1] else "银行转账"],
                protect=protect,
            ))  # fmt: skip
            if payer[0] == "3301000088000000001" and len(self.guarantor_rows) < 12:
                self.guarantor_rows.append(rows["bonds"][-1])
            parties.setdefault(
                co.uscc,
                {
                    "id": co.uscc,
                    "name": co.name,
                    "identifier": {"scheme": "CN-USCC", "id": co.uscc},
                    "roles": [],
                },
            )["roles"].append("tenderer")
            details.append({"id": f"{number}-B{k + 1:02d}", "date": submitted.isoformat() + "+08:00", "status": "valid" if qualified else "disqualified",
                            "tenderers": [{"id": co.uscc, "name": co.name}], "value": {"amount": float(bid["price"]), "currency": "CNY"}})  # fmt: skip
        winner_co = c.companies[winner]
        amount = (
            price
            if price is not None
            else next((float(b["price"]) for b in bids if b["company"] == winner), float(value))
        )
        awarded = (deadline.date() if competitive else publish) + dt.timedelta(days=rng.randint(3, 15))
        signed = awarded + dt.timedelta(days=rng.randint(2, 20))
        rows["award"] = self.t_awards.write(
            [f"HT{number}", number, unit.name, unit.uscc, winner_co.name, winner_co.uscc, amount, item, method, awarded, signed], protect=protect
        )  # fmt: skip
        party = parties.setdefault(
            winner_co.uscc,
            {
                "id": winner_co.uscc,
                "name": winner_co.name,
                "identifier": {"scheme": "CN-USCC", "id": winner_co.uscc},
                "roles": [],
            },
        )
        party["roles"].append("supplier")
        method_code = {
            "公开招标": "open",
            "竞争性磋商": "selective",
            "询价": "limited",
            "直接采购": "direct",
        }[method]
        release: dict[str, Any] = {
            "ocid": f"ocds-jc{c.code}-{number}", "id": f"{number}-compiled", "date": f"{signed.isoformat()}T00:00:00+08:00", "tag": ["compiled"],
            "initiationType": "tender", "language": "zh", "parties": list(parties.values()), "buyer": {"id": unit.uscc, "name": unit.name},
            "tender": {"id": number, "title": title, "status": "complete", "value": {"amount": float(value), "currency": "CNY"},
                       "procurementMethod": method_code, "procurementMethodDetails": method, "mainProcurementCategory": ind["kind"],
                       "numberOfTenderers": len(bids)},
            "awards": [{"id": f"{number}-A1", "status": "active", "date": f"{awarded.isoformat()}T00:00:00+08:00", "value": {"amount": amount, "currency": "CNY"},
                        "suppliers": [{"id": winner_co.uscc, "name": winner_co.name}]}],
            "contracts": [{"id": f"HT{number}", "awardID": f"{number}-A1", "status": "active", "dateSigned": f"{signed.isoformat()}T00:00:00+08:00",
                           "value": {"amount": amount, "currency": "CNY"}}],
        }  # fmt: skip
        if competitive:
            release["tender"]["tenderPeriod"] = {
                "startDate": f"{publish.isoformat()}T00:00:00+08:00",
                "endDate": deadline.isoformat() + "+08:00",
            }
            release["bids"] = {"details": details}
        rows["ocds"] = self.t_ocds.write_json(release)
        rows["number"] = number
        self.awards.append(
            {
                "unit": unit_index,
                "company": winner,
                "amount": amount,
                "date": signed,
                "record": record,
                "cycle": cycle,
            }
        )
        if record is not None:
            record.row(self.t_tenders.path, rows["tender"], "tender")
            for r in rows["bids"]:
                record.row(self.t_bids.path, r, "bid")
            for r in rows["bonds"]:
                record.row(self.t_bonds.path, r, "bond")
            record.row(self.t_awards.path, rows["award"], "award")
            record.row(self.t_ocds.path, rows["ocds"], "ocds")
        return rows

    def _plant_rings(self, rng: random.Random) -> None:
        c, plan = self.c, self.plan
        works_buyers = [u for u, unit in enumerate(c.units) if unit.buys == "works"]
        for ring, link in zip(plan.rings, plan.ring_link, strict=True):
            record = self.key.scheme("BID_RING")
            for m in ring:
                record.entity(
                    "Company",
                    c.companies[m].cid,
                    "ring member",
                    uscc=c.companies[m].uscc,
                    name=c.companies[m].name,
                )
                record.row(f"{c.code}/registry/companies.csv", self.rows_of[("companies", m)], "member")
            record.entity("Person", c.people[link].pid, "common shareholder")
            for m in ring[1:]:
                record.row(
                    f"{c.code}/registry/shareholders.csv",
                    self.rows_of[("shareholders", m, link)],
                    "common shareholder",
                )
            buyers = rng.sample(works_buyers, min(2, len(works_buyers)))
            industry = c.companies[ring[0]].industry
            machine = self._meta(ring[0])
            link_account = c.accounts[c.people[link].accounts[0]]
            tenders = []
            for j in range(len(ring)):
                unit = buyers[j % len(buyers)]
                low, high = self.inds[industry]["contract"]
                value = round(max(TENDER_THRESHOLD * 1.1, low * (high / low) ** rng.random()), -3)
                publish = random_date(rng, d("2025-01-06"), d("2025-11-20"))
                winner = ring[j % len(ring)]
                base = round(value * rng.uniform(0.93, 0.97), -2)
                step = rng.uniform(0.012, 0.025)
                bids: list[dict[str, Any]] = []
                covers = [m for m in ring if m != winner]
                for rank, m in enumerate([winner, *covers]):
                    price = base if rank == 0 else round(base * (1 + step * rank), -2)
                    if j == 1 and rank == 2:
                        price = bids[1]["price"]  # two cover bids at the very same price (R028)
                    meta = self._meta(m)
                    if j < 2 or rank < 2:
                        meta = {**meta, "machine": machine["machine"], "mac": machine["mac"]}
                    bids.append(
                        {
                            "company": m,
                            "price": price,
                            **meta,
                            "bond_payer": (link_account.number, c.people[link].name, link_account.bank),
                        }
                    )
                outsiders = [
                    f
                    for f in range(len(c.companies))
                    if c.companies[f].industry == industry
                    and f not in plan.reserved
                    and c.companies[f].status == "存续"
                ]
                if outsiders and rng.random() < 0.7:
                    f = outsiders[rng.randrange(len(outsiders))]
                    bids.append(
                        {"company": f, "price": round(base * rng.uniform(1.08, 1.15), -2), **self._meta(f)}
                    )
                rng.shuffle(bids)
                rows = self._procure(
                    unit, industry, value, publish, bids, winner, "公开招标", rng, protect=True, record=record
                )
                tenders.append({"tender": rows["number"], "winner": c.companies[winner].uscc})
            record.facts.update(
                {"tenders": tenders, "bond_account": link_account.number, "machine_code": machine["machine"]}
            )
            contact = plan.ring_contacts[plan.rings.index(ring)]
            record.entity(
                "Person", c.people[contact].pid, "bid contact of several members, insured by the first"
            )
            self.si_watch[contact] = record

    def _plant_coi(self, rng: random.Random) -> None:
        c, plan = self.c, self.plan
        roster = f"{c.code}/hr/roster.xlsx"
        residents = f"{c.code}/population/residents.csv"

        def evidence(record: Record, official: int, relative: int, company: int) -> None:
            record.entity(
                "Person", c.people[official].pid, "official", id_number=c.people[official].id_number
            )
            record.entity(
                "Person", c.people[relative].pid, "relative", id_number=c.people[relative].id_number
            )
            record.entity("Company", c.companies[company].cid, "supplier", uscc=c.companies[company].uscc)
            record.row(roster, self.rows_of[("roster", c.people[official].post)], "official post")
            record.row(residents, self.rows_of[("residents", official)], "official")
            record.row(residents, self.rows_of[("residents", relative)], "relative")
            spouse = c.people[official].spouse
            if ("residents", spouse) in self.rows_of:
                record.row(residents, self.rows_of[("residents", spouse)], "official's spouse")
            if relative == c.companies[company].legal_rep:
                record.row(
                    f"{c.code}/registry/companies.csv", self.rows_of[("companies", company)], "company"
                )
            record.row(
                f"{c.code}/registry/shareholders.csv",
                self.rows_of[("shareholders", company, relative)],
                "shareholding",
            )

        def win(unit: int, company: int, record: Record, cycle: int = -1) -> None:
            industry = c.companies[company].industry
            low, high = self.inds[industry]["contract"]
            value = round(low * (high / low) ** rng.uniform(0.3, 0.9), -3)
            rivals = [
                f
                for f in range(len(c.companies))
                if c.companies[f].industry == industry
                and f not in self.plan.reserved
                and c.companies[f].status == "存续"
            ][:3]
            price = round(value * rng.uniform(0.9, 0.97), -2)
            bids = [{"company": company, "price": price, **self._meta(company)}] + [
                {"company": f, "price": round(price * rng.uniform(1.02, 1.1), -2), **self._meta(f)}
                for f in rivals
            ]
            if value < 200_000:
                bids = []
            method = "公开招标" if value >= TENDER_THRESHOLD else ("竞争性磋商" if bids else "直接采购")
            self._procure(
                unit,
                industry,
                value,
                random_date(rng, d("2025-02-01"), d("2025-09-30")),
                bids,
                company,
                method,
                rng,
                protect=True,
                record=record,
                price=price,
                cycle=cycle,
            )

        for official, relative, company, relation in plan.coi:
            record = self.key.scheme("COI_RELATIVE_SUPPLIER", relation=relation)
            evidence(record, official, relative, company)
            win(self.unit_of(official), company, record)
            record.facts["unit"] = c.units[self.unit_of(official)].name
        for official, relative, company, relation in plan.coi_elsewhere:
            record = self.key.lookalike(
                "COI_RELATIVE_SUPPLIER",
                "the relative's company wins at a unit where the official has no post",
                relation=relation,
            )
            evidence(record, official, relative, company)
            other = [u for u, unit in enumerate(c.units) if unit.buys and u != self.unit_of(official)]
            win(other[rng.randrange(len(other))], company, record)
        for official, twin, company in plan.coi_namesake:
            record = self.key.lookalike(
                "COI_RELATIVE_SUPPLIER",
                "the shareholder only shares the official's name (重名); the ID numbers differ and no kinship exists",
            )
            record.entity("Person", c.people[official].pid, "official")
            record.entity("Person", c.people[twin].pid, "namesake")
            record.row(roster, self.rows_of[("roster", c.people[official].post)], "official post")
            record.row(
                f"{c.code}/registry/shareholders.csv",
                self.rows_of[("shareholders", company, twin)],
                "shareholding",
            )
            win(self.unit_of(official), company, record)
        for n, (official, relative, chain) in enumerate(plan.fund_cycles):
            record = self.key.scheme("FUND_CYCLE")
            record.entity("Person", c.people[official].pid, "official")
            record.entity("Person", c.people[relative].pid, "relative")
            for role, company in zip(("supplier", "intermediary", "relative's company"), chain, strict=True):
                record.entity("Company", c.companies[company].cid, role, uscc=c.companies[company].uscc)
            record.row(roster, self.rows_of[("roster", c.people[official].post)], "official post")
            record.row(residents, self.rows_of[("residents", official)], "official")
            record.row(residents, self.rows_of[("residents", relative)], "relative")
            spouse = c.people[official].spouse
            if ("residents", spouse) in self.rows_of:
                record.row(residents, self.rows_of[("residents", spouse)], "official's spouse")
            record.row(
                f"{c.code}/registry/companies.csv",
                self.rows_of[("companies", chain[2])],
                "relative's company",
            )
            self.plan.records[f"cycle{n}"] = record
            win(self.unit_of(official), chain[0], record, cycle=n)

    def _plant_splits(self, rng: random.Random, by_industry: dict[int, list[int]]) -> None:
        c, plan = self.c, self.plan
        buyers = [u for u, unit in enumerate(c.units) if unit.buys in ("mixed", "goods", "services")]
        for _ in range(self.n("CONTRACT_SPLIT")):
            unit = buyers[rng.randrange(len(buyers))]
            industry = self._industry_for("goods", rng)
            pool = [f for f in by_industry.get(industry, []) if f not in plan.reserved] or [
                f for f in range(len(c.companies)) if c.companies[f].industry >= 0 and f not in plan.reserved
            ]
            supplier = pool[rng.randrange(len(pool))]
            plan.reserved.add(supplier)
            record = self.key.scheme("CONTRACT_SPLIT", threshold=TENDER_THRESHOLD)
            record.entity("Unit", c.units[unit].uscc, "buyer", name=c.units[unit].name)
            record.entity("Company", c.companies[supplier].cid, "supplier", uscc=c.companies[supplier].uscc)
            start = random_date(rng, d("2025-02-01"), d("2025-10-31"))
            parts = rng.randint(3, 4)
            for k in range(parts):
                amount = float(round(TENDER_THRESHOLD * rng.uniform(0.9, 0.995), -2))
                self._procure(
                    unit,
                    industry,
                    amount,
                    start + dt.timedelta(days=k * rng.randint(3, 9)),
                    [],
                    supplier,
                    "直接采购",
                    rng,
                    protect=True,
                    record=record,
                    price=amount,
                )
            record.facts["contracts"] = parts
        unit = buyers[rng.randrange(len(buyers))]
        pool = [
            f
            for f in range(len(c.companies))
            if c.companies[f].industry >= 0 and f not in plan.reserved and c.companies[f].status == "存续"
        ]
        record = self.key.lookalike(
            "CONTRACT_SPLIT", "a single contract just under the threshold: nothing was split"
        )
        amount = float(round(TENDER_THRESHOLD * 0.975, -2))
        self._procure(
            unit,
            c.companies[pool[0]].industry,
            amount,
            d("2025-06-16"),
            [],
            pool[0],
            "直接采购",
            rng,
            protect=True,
            record=record,
            price=amount,
        )

    def _plant_single_buyer(self, rng: random.Random, by_industry: dict[int, list[int]]) -> None:
        c, plan = self.c, self.plan

        def series(
            record: Record, unit: int, supplier: int, industry: int, wins: int, item: str | None = None
        ) -> None:
            for _ in range(wins):
                low, high = self.inds[industry]["contract"]
                value = round(max(250_000, low * (high / low) ** rng.random()), -3)
                price = round(value * rng.uniform(0.9, 0.97), -2)
                rivals = [f for f in by_industry.get(industry, []) if f != supplier][:2]
                bids = [{"company": supplier, "price": price, **self._meta(supplier)}] + [
                    {"company": f, "price": round(price * rng.uniform(1.03, 1.12), -2), **self._meta(f)}
                    for f in rivals
                ]
                method = "公开招标" if value >= TENDER_THRESHOLD else "竞争性磋商"
                self._procure(
                    unit,
                    industry,
                    value,
                    random_date(rng, d("2025-01-10"), d("2025-11-20")),
                    bids,
                    supplier,
                    method,
                    rng,
                    protect=True,
                    record=record,
                    price=price,
                    item=item,
                )

        buyers = [u for u, unit in enumerate(c.units) if unit.buys in ("works", "mixed")]
        won = {award["company"] for award in self.awards}
        for _ in range(self.n("SINGLE_BUYER_SUPPLIER")):
            unit = buyers[rng.randrange(len(buyers))]
            industry = self._industry_for(c.units[unit].buys, rng)
            pool = [f for f in by_industry.get(industry, []) if f not in plan.reserved and f not in won]
            pool = pool or [
                f
                for f in range(len(c.companies))
                if c.companies[f].industry >= 0 and f not in plan.reserved and f not in won
            ]
            supplier = pool[rng.randrange(len(pool))]
            plan.reserved.add(supplier)
            industry = c.companies[supplier].industry
            record = self.key.scheme("SINGLE_BUYER_SUPPLIER")
            record.entity("Unit", c.units[unit].uscc, "buyer", name=c.units[unit].name)
            record.entity("Company", c.companies[supplier].cid, "supplier", uscc=c.companies[supplier].uscc)
            wins = rng.randint(5, 7)
            series(record, unit, supplier, industry, wins)
            record.facts["wins"] = wins
        hospitals = [u for u, unit in enumerate(c.units) if unit.buys == "medical"]
        medical = self._industry_for("medical", rng)
        pool = [
            f
            for f in range(len(c.companies))
            if c.companies[f].industry >= 0 and f not in plan.reserved and c.companies[f].status == "存续"
        ]
        supplier = pool[-1]
        plan.reserved.add(supplier)
        record = self.key.lookalike(
            "SINGLE_BUYER_SUPPLIER",
            "the only supplier of a specialised service (the upkeep of special equipment, e.g. a hyperbaric chamber) that only this hospital buys; every tender had rival bids",
        )
        record.entity("Company", c.companies[supplier].cid, "supplier", uscc=c.companies[supplier].uscc)
        # What the tenders and awards name (项目名称, 采购内容) shows the market: no other buyer in the
        # county buys this service.
        service = SPECIALISED_SERVICES[zlib.crc32(c.code.encode()) % len(SPECIALISED_SERVICES)]
        record.facts["item"] = service
        series(record, hospitals[0], supplier, medical, 5, item=service)

    # -- 民政局: social assistance (低保, 特困供养, 临时救助) -----------------------------------

    def benefits(self) -> None:
        c, rng, plan = self.c, self.rng("benefits"), self.plan
        mess = Mess(
            blank=0.02,
            duplicate=0.005,
            fullwidth=0.02,
            spaces=0.02,
            typo=0.02,
            traditional=0.01,
            invalid_id=0.003,
            date_styles=("cn", "slash", "iso"),
            alt_date=0.3,
        )
        roll = self.table(
            "civil/recipients.csv",
            [Col("救助证编号"), Col("姓名", "name"), Col("身份证号", "id"), Col("救助类别"), Col("所在村(社区)"), Col("村居代码"),
             Col("保障人口", "int"), Col("月救助金额(元)", "money"), Col("救助起始日期", "date"), Col("救助状态"), Col("联系电话", "phone", True),
             Col("近亲属备案日期", "date")],
            "csv", "民政局", "社会救助对象名册 (低保/特困/临时救助 recipients)", mess,
        )  # fmt: skip
        pay = self.table(
            "civil/payments.csv",
            [Col("发放批次"), Col("姓名", "name"), Col("身份证号", "id"), Col("救助类别"), Col("发放年月"), Col("发放日期", "date"), Col("发放金额(元)", "money"), Col("收款账号")],
            "csv", "民政局", "社会救助资金发放明细 (monthly benefit payments, July-December 2025)", mess,
        )  # fmt: skip
        entries: list[tuple[int, str]] = [(i, "低保") for i in plan.dibao] + [
            (i, "特困供养") for i in plan.tekun
        ]
        entries += [(i, "特困供养") for i in plan.double_benefit] + [
            (i, "临时救助") for i in plan.temporary_aid
        ]
        died_paid = {person for person, which in plan.deaths_after_pay if which == "dibao"}
        # 村(居)民委员会成员及其近亲属申请低保的，应当单独登记备案: every relative of a village or
        # community committee member on the roll was registered separately, except the planted
        # 优亲厚友 cases (DIBAO_INELIGIBLE, reason "relative").
        committee = {post.person for post in c.posts if post.category == 5}
        filed = {
            person
            for person, _ in entries
            if person not in plan.dibao_relative_of and not committee.isdisjoint(self._kin(person))
        }
        filing_rng = self.rng("benefits-filing")
        filed_on: dict[int, str] = {}
        records: dict[int, Record] = {}
        for person, reason in sorted(plan.dibao_bad.items()):
            record = self.key.scheme("DIBAO_INELIGIBLE", reason=reason)
            record.entity("Person", c.people[person].pid, "recipient", id_number=c.people[person].id_number)
            records[person] = record
            if reason == "car":
                record.row(f"{c.code}/vehicles/vehicles.xlsx", self.rows_of[("vehicle", person)], "vehicle")
            elif reason == "flat":
                for k in self.props_of.get(person, []):
                    record.row(
                        f"{c.code}/realestate/properties.csv", self.rows_of[("properties", k)], "property"
                    )
            elif reason == "company":
                for k, co in enumerate(c.companies):
                    if co.legal_rep == person:
                        record.row(
                            f"{c.code}/registry/companies.csv", self.rows_of[("companies", k)], "company"
                        )
            else:
                cadre = plan.dibao_relative_of[person]
                record.entity("Person", c.people[cadre].pid, "village cadre")
                record.row(
                    f"{c.code}/hr/roster.xlsx", self.rows_of[("roster", c.people[cadre].post)], "cadre post"
                )
                record.row(f"{c.code}/population/residents.csv", self.rows_of[("residents", cadre)], "cadre")
                record.row(
                    f"{c.code}/population/residents.csv", self.rows_of[("residents", person)], "relative"
                )
                spouse = c.people[cadre].spouse
                if ("residents", spouse) in self.rows_of:
                    record.row(
                        f"{c.code}/population/residents.csv",
                        self.rows_of[("residents", spouse)],
                        "cadre's spouse",
                    )
        for person in plan.double_benefit:
            record = self.key.scheme("DOUBLE_BENEFIT")
            record.entity("Person", c.people[person].pid, "recipient", id_number=c.people[person].id_number)
            records[-1 - person] = record
        for person in plan.temporary_aid:
            record = self.key.lookalike(
                "DOUBLE_BENEFIT", "临时救助 (one-off temporary aid) may be paid on top of 低保"
            )
            record.entity("Person", c.people[person].pid, "recipient")
            records[-1 - person] = record
        for person in plan.dibao_filed:
            record = self.key.lookalike(
                "DIBAO_INELIGIBLE",
                "a village cadre's relative whose 低保 application was registered separately (单独登记备案), as the rules require",
            )
            record.entity("Person", c.people[person].pid, "recipient")
            plan.records[f"filed{person}"] = record
        for person in died_paid:
            record = self.key.scheme("PAY_AFTER_DEATH", payment="低保")
            record.entity("Person", c.people[person].pid, "deceased", id_number=c.people[person].id_number)
            record.row(f"{c.code}/population/deaths.csv", self.rows_of[("deaths", person)], "death")
            records[10_000_000 + person] = record
        serial = 0
        for person, kind in entries:
            p = c.people[person]
            if p.death is not None and p.death < d("2025-01-01"):
                continue
            serial += 1
            size = len(c.households[p.household]) if p.household < len(c.households) else 1
            size = max(1, min(size, 4))
            amount = float(
                (1130 if kind == "低保" else 1470 if kind == "特困供养" else 2000)
                * (size if kind == "低保" else 1)
            )
            if person in plan.dibao_bad:
                start = d("2024-03-01")
            elif person in plan.dibao_sold_car:
                start = d("2023-04-01")
            else:
                start = random_date(rng, d("2016-01-01"), d("2024-12-31")).replace(day=1)
            if kind == "临时救助":
                start = d("2025-08-01")
            village = c.villages[p.village]
            key_rows = [
                record
                for k, record in (
                    (person, records.get(person)),
                    (-1 - person, records.get(-1 - person)),
                    (10_000_000 + person, records.get(10_000_000 + person)),
                )
                if record is not None
            ]
            for look in ("sold", "wheel", "filed"):
                if f"{look}{person}" in plan.records:
                    key_rows.append(plan.records[f"{look}{person}"])
            filing = ""
            if person in filed:
                if person not in filed_on:
                    # Rendered here, from its own stream, so the file's other cells keep their mess.
                    filed_on[person] = format_date(
                        start - dt.timedelta(days=filing_rng.randint(10, 60)),
                        filing_rng.choice(("cn", "cn", "slash", "iso")),
                    )
                filing = filed_on[person]
            row = roll.write(
                [f"JZ{c.code}{serial:06d}", p.name, p.id_number, kind, village.name, village.code, size, amount, start, "正常", p.phone,
                 filing],
                {"姓名": p.pid}, protect=bool(key_rows),
            )  # fmt: skip
            for record in key_rows:
                record.row(roll.path, row, "recipient")
            account = c.accounts[p.accounts[0]].number if p.accounts else ""
            months = PAYMENT_MONTHS if kind != "临时救助" else (8,)
            for month in months:
                paid = month_day(month, 15)
                if p.death is not None and p.death < paid and person not in died_paid:
                    break
                row = pay.write(
                    [f"{c.code}-2025{month:02d}", p.name, p.id_number, kind, f"2025-{month:02d}", paid, amount if kind != "临时救助" else 2000.0, account],
                    {"姓名": p.pid}, protect=bool(key_rows),
                )  # fmt: skip
                for record in key_rows:
                    if record.kind != "PAY_AFTER_DEATH" or paid > (p.death or paid):
                        record.row(pay.path, row, "payment")
        self.close(roll, pay)

    # -- 人社局: pensions -------------------------------------------------------------------------

    def pensions(self) -> None:
        c, plan = self.c, self.plan
        table = self.table(
            "pension/payments.csv",
            [Col("发放流水号"), Col("姓名", "name"), Col("公民身份号码", "id"), Col("险种"), Col("发放年月"), Col("发放日期", "date"),
             Col("发放项目"), Col("发放金额(元)", "money"), Col("收款账号", optional=True)],
            "csv", "人力资源和社会保障局社保中心", "养老金发放明细 (pension payments, July-December 2025)",
            Mess(blank=0.005, duplicate=0.002, fullwidth=0.005, legacy_id=0.01, invalid_id=0.001, typo=0.005, date_styles=("compact", "iso"), alt_date=0.05),
        )  # fmt: skip
        planted = {person for person, which in plan.deaths_after_pay if which == "pension"}
        funerals = set(plan.funeral_grants)
        records: dict[int, Record] = {}
        for person in sorted(planted):
            record = self.key.scheme("PAY_AFTER_DEATH", payment="养老金")
            record.entity("Person", c.people[person].pid, "deceased", id_number=c.people[person].id_number)
            record.row(f"{c.code}/population/deaths.csv", self.rows_of[("deaths", person)], "death")
            records[person] = record
        for person in sorted(funerals):
            record = self.key.lookalike(
                "PAY_AFTER_DEATH",
                "丧葬补助金 (funeral grant) is paid to the family after the death, for the month of death",
            )
            record.entity("Person", c.people[person].pid, "deceased")
            record.row(f"{c.code}/population/deaths.csv", self.rows_of[("deaths", person)], "death")
            records[person] = record
        serial = 0
        for i, p in enumerate(c.people):
            retired = p.age(d("2025-07-01")) >= (60 if p.male else 55)
            if not retired or not self.alive_on(i, d("2025-07-01")) or (p.post >= 0 and i not in planted):
                continue
            employee = p.education not in ("小学",) and (i * 2654435761) % 100 < 55
            amount = float(round(2800 + (i * 7919) % 2600, 2)) if employee else float(200 + (i * 31) % 180)
            kind = "企业职工基本养老保险" if employee else "城乡居民基本养老保险"
            account = c.accounts[p.accounts[0]].number if p.accounts else ""
            mark = records.get(i)
            for month in PAYMENT_MONTHS:
                paid = month_day(month, 10)
                if p.death is not None and p.death < paid and i not in planted:
                    if i in funerals:
                        serial += 1
                        grant = month_day(min(12, p.death.month + 1), 20)
                        row = table.write(
                            [
                                f"YL{c.code}{serial:08d}",
                                p.name,
                                p.id_number,
                                kind,
                                f"{p.death:%Y-%m}",
                                grant,
                                "丧葬补助金",
                                float(round(amount * 10, 2)),
                                account,
                            ],
                            {"姓名": p.pid},
                            protect=True,
                        )
                        if mark is not None:
                            mark.row(table.path, row, "funeral grant")
                    break
                serial += 1
                row = table.write(
                    [
                        f"YL{c.code}{serial:08d}",
                        p.name,
                        p.id_number,
                        kind,
                        f"2025-{month:02d}",
                        paid,
                        "基本养老金",
                        amount,
                        account,
                    ],
                    {"姓名": p.pid},
                    protect=mark is not None,
                )
                if mark is not None and (
                    mark.kind == "PAY_AFTER_DEATH"
                    and mark.why_innocent == ""
                    and p.death is not None
                    and paid > p.death
                ):
                    mark.row(table.path, row, "payment")
        self.close(table)

    # -- 财政局/人社局: payroll of public units ------------------------------------------------------

    def salary(self, post: model.Post) -> float:
        base = {
            "正厅级": 16000,
            "正处级": 12500,
            "副处级": 10800,
            "正科级": 9000,
            "副科级": 7800,
            "管理五级": 9500,
            "管理六级": 8500,
        }.get(post.rank, 0)
        if not base:
            base = {"村干部": 3800, "社区干部": 4200, "企业": 6500, "事业": 7200}.get(post.staff_type, 6200)
            if post.leader and post.staff_type == "企业":
                base = 18000
        return float(base + (post.person * 37) % 900)

    def payroll(self) -> None:
        c, rng, plan = self.c, self.rng("payroll"), self.plan
        table = self.table(
            "payroll/payroll.csv",
            [Col("单位名称"), Col("单位统一社会信用代码", "uscc"), Col("姓名", "name"), Col("身份证号", "id"), Col("工资年月"),
             Col("应发合计(元)", "money"), Col("实发金额(元)", "money"), Col("发放日期", "date"), Col("工资账号", optional=True)],
            "csv", "财政局国库支付中心", "财政统发工资明细 (payroll of public units, July-December 2025)",
            Mess(blank=0.003, duplicate=0.001, fullwidth=0.003, invalid_id=0.001),
        )  # fmt: skip
        planted_death = {person for person, which in plan.deaths_after_pay if which == "salary"}
        ghosts: dict[int, tuple[int, Record]] = {}
        candidates = [
            i
            for i, post in enumerate(c.posts)
            if not post.leader
            and post.end is None
            and post.category in (0, 1)
            and self.alive_on(post.person, REFERENCE_DATE)
            and c.people[post.person].post == i
        ]
        rng.shuffle(candidates)
        schools = [
            u
            for u, unit in enumerate(c.units)
            if unit.unit_type in ("school", "hospital", "government_department")
        ]
        for i in candidates[: self.n("GHOST_PAYROLL")]:
            post = c.posts[i]
            other = schools[rng.randrange(len(schools))]
            if other == post.unit:
                other = schools[(schools.index(other) + 1) % len(schools)]
            record = self.key.scheme("GHOST_PAYROLL")
            record.entity(
                "Person", c.people[post.person].pid, "payee", id_number=c.people[post.person].id_number
            )
            record.entity("Unit", c.units[post.unit].uscc, "real employer")
            record.entity("Unit", c.units[other].uscc, "second payroll")
            record.row(f"{c.code}/hr/roster.xlsx", self.rows_of[("roster", i)], "only post")
            ghosts[post.person] = (other, record)
        transfer = next((i for i, post in enumerate(c.posts) if post.end is not None), -1)
        transfer_record = None
        if transfer >= 0:
            transfer_record = self.key.lookalike(
                "GHOST_PAYROLL",
                "transferred between units in 2025 (调动): on both payrolls, but never in the same month",
            )
            person = c.posts[transfer].person
            transfer_record.entity("Person", c.people[person].pid, "payee")
            transfer_record.row(f"{c.code}/hr/roster.xlsx", self.rows_of[("roster", transfer)], "old post")
            transfer_record.row(
                f"{c.code}/hr/roster.xlsx", self.rows_of[("roster", c.people[person].post)], "new post"
            )
        death_records: dict[int, Record] = {}
        for person in sorted(planted_death):
            record = self.key.scheme("PAY_AFTER_DEATH", payment="工资")
            record.entity("Person", c.people[person].pid, "deceased", id_number=c.people[person].id_number)
            record.row(f"{c.code}/population/deaths.csv", self.rows_of[("deaths", person)], "death")
            death_records[person] = record
        for month in PAYMENT_MONTHS:
            first, paid = month_day(month, 1), month_day(month, 15)
            last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            for i in sorted(range(len(c.posts)), key=lambda k: (c.posts[k].unit, k)):
                post = c.posts[i]
                if post.start > last or (post.end is not None and post.end < first):
                    continue
                p = c.people[post.person]
                if p.death is not None and p.death < first and post.person not in planted_death:
                    continue
                unit = c.units[post.unit]
                gross = self.salary(post)
                account = c.accounts[p.accounts[0]].number if p.accounts else ""
                watched = (
                    post.person in ghosts
                    or post.person in death_records
                    or (transfer_record is not None and post.person == c.posts[transfer].person)
                )
                row = table.write(
                    [
                        unit.name,
                        unit.uscc,
                        p.name,
                        p.id_number,
                        f"2025-{month:02d}",
                        gross,
                        float(round(gross * 0.78, 2)),
                        paid,
                        account,
                    ],
                    {"姓名": p.pid},
                    protect=watched,
                )
                if post.person in ghosts:
                    ghosts[post.person][1].row(table.path, row, "payroll")
                if post.person in death_records and p.death is not None and paid > p.death:
                    death_records[post.person].row(table.path, row, "payment")
                if transfer_record is not None and post.person == c.posts[transfer].person:
                    transfer_record.row(table.path, row, "payroll")
            for person, (other, record) in sorted(ghosts.items()):
                p, unit = c.people[person], c.units[other]
                gross = float(5200 + (person * 13) % 800)
                account = c.accounts[p.accounts[-1]].number if p.accounts else ""
                row = table.write(
                    [
                        unit.name,
                        unit.uscc,
                        p.name,
                        p.id_number,
                        f"2025-{month:02d}",
                        gross,
                        float(round(gross * 0.78, 2)),
                        paid,
                        account,
                    ],
                    {"姓名": p.pid},
                    protect=True,
                )
                record.row(table.path, row, "payroll")
        self.close(table)

    # -- 社保中心: social-insurance contributions (employer per person) --------------------------

    def social_insurance(self) -> None:
        c = self.c
        table = self.table(
            "social_insurance/contributions.csv",
            [Col("单位名称"), Col("单位统一社会信用代码", "uscc"), Col("姓名", "name"), Col("公民身份号码", "id"), Col("费款所属期"),
             Col("险种"), Col("缴费基数(元)", "money"), Col("单位缴纳(元)", "money"), Col("个人缴纳(元)", "money")],
            "csv", "人力资源和社会保障局社保中心", "养老保险缴费明细 (pension-insurance contributions per employer and person, Oct-Dec 2025)",
            Mess(blank=0.0, duplicate=0.002, fullwidth=0.005, spaces=0.005, invalid_id=0.001, typo=0.005),
        )  # fmt: skip
        for month in (10, 11, 12):
            first = month_day(month, 1)
            for i, p in enumerate(c.people):
                if not self.alive_on(i, first):
                    continue
                if p.post >= 0:
                    post = c.posts[p.post]
                    if post.start > first:
                        continue
                    unit = c.units[post.unit]
                    name, code, kind = (
                        unit.name,
                        unit.uscc,
                        "机关事业单位基本养老保险"
                        if post.staff_type in ("公务员", "参公", "事业")
                        else "企业职工基本养老保险",
                    )
                    base = self.salary(post)
                elif p.employer >= 0:
                    co = c.companies[p.employer]
                    name, code, kind = co.name, co.uscc, "企业职工基本养老保险"
                    base = float(4462 + (i * 53) % 6000)  # 2025 Zhejiang minimum contribution base and up
                else:
                    continue
                watched = self.si_watch.get(i)
                row = table.write(
                    [
                        name,
                        code,
                        p.name,
                        p.id_number,
                        f"2025{month:02d}",
                        kind,
                        base,
                        float(round(base * 0.16, 2)),
                        float(round(base * 0.08, 2)),
                    ],
                    {"姓名": p.pid},
                    protect=watched is not None,
                )
                if watched is not None and month == 10:
                    watched.row(table.path, row, "contact insured")
        self.close(table)

    # -- 组织部: personal-matters reports (领导干部个人有关事项报告) -----------------------------

    def declarations(self) -> None:
        c, rng, plan = self.c, self.rng("declarations"), self.plan
        table = self.table(
            "declarations/personal_matters.csv",
            [Col("申报年度", "int"), Col("申报人", "name"), Col("申报人身份证号", "id"), Col("工作单位"), Col("职务"), Col("事项类别"),
             Col("家庭成员姓名", "name", True), Col("与申报人关系", optional=True), Col("家庭成员身份证号", "id", True), Col("事项内容", optional=True),
             Col("面积(㎡)", "money", True), Col("出资额(万元)", "money", True), Col("填报日期", "date")],
            "csv", "组织部干部监督科", "领导干部个人有关事项报告 for 2024 (status on 2024-12-31, filed in January 2025), one row per item",
            Mess(blank=0.0, duplicate=0.001, typo=0.01, spaces=0.01, date_styles=("cn", "iso"), alt_date=0.3),
        )  # fmt: skip
        cutoff = d("2024-12-31")
        declarants = [i for i, post in enumerate(c.posts) if is_declarant(c, post)]
        under = [
            i
            for i in declarants
            if any(
                self.properties[k].held_on(cutoff) and self.properties[k].use == "住宅"
                for k in self.props_of.get(c.posts[i].person, [])
            )
        ]
        rng.shuffle(under)
        taken = set(plan.decl_extra_flat) | set(plan.decl_company)
        under = [i for i in under if c.posts[i].person not in taken][: self.n("DECL_UNDERREPORTED")]
        under_people = {c.posts[i].person for i in under}
        concealed_flat = {k: prop for k, prop in plan.decl_extra_flat.items()}
        lookalike_new = lookalike_round = None
        holdings: dict[int, list[tuple[int, float]]] = {}
        for k, co in enumerate(c.companies):
            for person, share in co.shareholders:
                holdings.setdefault(person, []).append((k, share))
        path_props = f"{c.code}/realestate/properties.csv"
        for i in declarants:
            post = c.posts[i]
            me = c.people[post.person]
            unit = c.units[post.unit]
            filed = random_date(rng, d("2025-01-06"), d("2025-01-30"))
            family = [(post.person, "本人")]
            if me.spouse >= 0 and self.alive_on(me.spouse, cutoff):
                family.append((me.spouse, "配偶"))
            family += [(k, "子女") for k in c.children_of(post.person) if self.alive_on(k, cutoff)]
            record: Record | None = None
            if post.person in concealed_flat:
                record = self.key.scheme("DECL_CONCEALED", item="房产")
                prop = concealed_flat[post.person]
                record.row(
                    path_props, self.rows_of[("properties", self.properties.index(prop))], "undeclared flat"
                )
            elif post.person in plan.decl_company:
                record = self.key.scheme("DECL_CONCEALED", item="投资/经商办企业")
                relative, company = plan.decl_company[post.person]
                record.entity(
                    "Company", c.companies[company].cid, "undeclared company", uscc=c.companies[company].uscc
                )
                record.row(
                    f"{c.code}/registry/shareholders.csv",
                    self.rows_of[("shareholders", company, relative)],
                    "undeclared shareholding",
                )
            elif post.person in under_people:
                record = self.key.scheme("DECL_UNDERREPORTED", item="房产面积")
            if record is not None:
                record.entity("Person", me.pid, "declarant", id_number=me.id_number)
            head = [2024, me.name, me.id_number, unit.name, post.position]

            def item(
                kind: str,
                member: int,
                relation: str,
                content: str,
                area: float | None,
                amount: float | None,
                protect: bool,
                record: Record | None = record,
                head: list[Any] = head,
                filed: dt.date = filed,
                me: Person = me,
            ) -> int:
                person = c.people[member]
                row = table.write(
                    [*head, kind, person.name, relation, person.id_number, content, area, amount, filed],
                    {"申报人": me.pid, "家庭成员姓名": person.pid},
                    protect=protect,
                )
                if record is not None:
                    record.row(table.path, row, kind)
                return row

            watched = record is not None
            for member, relation in family[1:]:
                item(
                    "婚姻情况" if relation == "配偶" else "子女情况",
                    member,
                    relation,
                    "已婚" if relation == "配偶" else "",
                    None,
                    None,
                    watched,
                )
            for member, relation in family:
                for k in self.props_of.get(member, []):
                    prop = self.properties[k]
                    if prop.owner != member:
                        continue
                    if not prop.held_on(cutoff):
                        if prop.registered > cutoff and lookalike_new is None:
                            lookalike_new = self.key.lookalike(
                                "DECL_CONCEALED",
                                "the flat was registered after the report's cut-off date (2024-12-31); it belongs in next year's report",
                            )
                            lookalike_new.entity("Person", me.pid, "declarant")
                            lookalike_new.row(path_props, self.rows_of[("properties", k)], "later flat")
                        continue
                    if post.person in concealed_flat and prop is concealed_flat[post.person]:
                        continue
                    area = prop.area
                    if (
                        post.person in under_people
                        and prop.use == "住宅"
                        and record is not None
                        and record.kind == "DECL_UNDERREPORTED"
                        and "area" not in record.facts
                    ):
                        area = round(prop.area - rng.uniform(15, 40), 1)
                        record.facts.update({"area": area, "registered_area": prop.area})
                        record.row(path_props, self.rows_of[("properties", k)], "registered flat")
                        item("房产", member, relation, prop.address, area, None, True)
                        continue
                    if rng.random() < 0.3:
                        area = float(round(prop.area))  # people round the area they remember
                        if lookalike_round is None and area != prop.area:
                            lookalike_round = self.key.lookalike(
                                "DECL_UNDERREPORTED",
                                "the declared area is the registered area rounded to whole square metres",
                            )
                            lookalike_round.entity("Person", me.pid, "declarant")
                            lookalike_round.row(
                                path_props, self.rows_of[("properties", k)], "registered flat"
                            )
                            item("房产", member, relation, prop.address, area, None, True, lookalike_round)
                            continue
                    item("房产", member, relation, prop.address, area, None, watched)
            # 配偶、子女及其配偶经商办企业的情况: children's spouses' businesses are reported too.
            business = family[1:] + [
                (c.people[k].spouse, "子女的配偶")
                for k in c.children_of(post.person)
                if c.people[k].spouse >= 0 and self.alive_on(c.people[k].spouse, cutoff)
            ]
            for member, relation in business:
                for k, share in holdings.get(member, []):
                    co = c.companies[k]
                    if co.status != "存续" or co.founded > cutoff:
                        continue
                    if post.person in plan.decl_company and plan.decl_company[post.person] == (member, k):
                        continue
                    item(
                        "投资或经商办企业",
                        member,
                        relation,
                        co.name,
                        None,
                        float(round(co.capital * share, 2)),
                        watched,
                    )
        self.close(table)

    # -- 银行: account transactions (a large CSV, written month by month) ------------------------

    def bank(self) -> None:
        c, rng, plan = self.c, self.rng("bank"), self.plan
        table = self.table(
            "bank/transactions.csv",
            [Col("交易流水号"), Col("交易时间", "datetime"), Col("付款账号", optional=True), Col("付款户名", "name"), Col("付款人证件类型"),
             Col("付款人证件号码", "partyid", type_of="付款人证件类型"), Col("收款账号"), Col("收款户名", "name"), Col("收款人证件类型"),
             Col("收款人证件号码", "partyid", type_of="收款人证件类型"), Col("交易金额(元)", "money"), Col("交易类型"),
             Col("交易渠道"), Col("摘要", optional=True)],
            "csv", "人民银行/商业银行", "银行账户交易流水 (account transactions, 2025)",
            Mess(blank=0.01, duplicate=0.0005, fullwidth=0.002, spaces=0.005, pinyin=0.02, traditional=0.003, invalid_id=0.0005, date_styles=("iso", "compact"), alt_date=0.1),
        )  # fmt: skip
        people = c.people
        adults = [i for i, p in enumerate(people) if p.accounts and p.alive() and p.age() >= 20]
        firms = [i for i, co in enumerate(c.companies) if co.accounts and co.status == "存续"]
        # (time, payer account or -1 for cash, payee account, amount, type, channel, memo, record, role)
        Txn = tuple[dt.datetime, int, int, float, str, str, str, Record | None, str]
        by_month: dict[int, list[Txn]] = {m: [] for m in range(1, 13)}

        def at(day: dt.date, hour: int | None = None) -> dt.datetime:
            return dt.datetime.combine(
                day,
                dt.time(rng.randint(8, 20) if hour is None else hour, rng.randint(0, 59), rng.randint(0, 59)),
            )

        def add(
            when: dt.datetime,
            payer: int,
            payee: int,
            amount: float,
            kind: str,
            channel: str,
            memo: str,
            record: Record | None = None,
            role: str = "",
        ) -> None:
            by_month[when.month].append(
                (when, payer, payee, float(round(amount, 2)), kind, channel, memo, record, role)
            )

        for month in PAYMENT_MONTHS:
            for post in c.posts:
                p = people[post.person]
                first = month_day(month, 1)
                if (
                    post.start > first
                    or (post.end is not None and post.end < first)
                    or not p.accounts
                    or not self.alive_on(post.person, first)
                ):
                    continue
                unit = c.units[post.unit]
                add(
                    at(month_day(month, 15), 10),
                    unit.accounts[0],
                    p.accounts[0],
                    self.salary(post) * 0.78,
                    "代发工资",
                    "批量代发",
                    f"2025年{month}月工资",
                )
        cycle_rows: dict[int, int] = {}
        for award in self.awards:
            unit, co = c.units[award["unit"]], c.companies[award["company"]]
            if not co.accounts or award["date"] > REFERENCE_DATE:
                continue
            pay_day = min(award["date"] + dt.timedelta(days=rng.randint(5, 30)), d("2025-12-30"))
            if award["cycle"] >= 0:
                n = award["cycle"]
                record = plan.records[f"cycle{n}"]
                pay_day = min(award["date"] + dt.timedelta(days=7), d("2025-12-01"))
                add(
                    at(pay_day, 10),
                    unit.accounts[0],
                    co.accounts[0],
                    award["amount"],
                    "转账",
                    "网银",
                    "合同款",
                    record,
                    "public payment",
                )
                official, relative, chain = plan.fund_cycles[n]
                a, b, cc = (c.companies[k] for k in chain)
                share = award["amount"] * rng.uniform(0.25, 0.35)
                add(
                    at(pay_day + dt.timedelta(days=3)),
                    a.accounts[0],
                    b.accounts[0],
                    share,
                    "转账",
                    "网银",
                    "咨询服务费",
                    record,
                    "to intermediary",
                )
                add(
                    at(pay_day + dt.timedelta(days=6)),
                    b.accounts[0],
                    cc.accounts[0],
                    share * 0.96,
                    "转账",
                    "网银",
                    "技术服务费",
                    record,
                    "to relative's company",
                )
                add(
                    at(pay_day + dt.timedelta(days=9)),
                    cc.accounts[0],
                    people[relative].accounts[0],
                    share * 0.9,
                    "转账",
                    "手机银行",
                    "往来款",
                    record,
                    "to relative",
                )
                record.facts["amount"] = round(award["amount"], 2)
                cycle_rows[n] = 1
                continue
            if award["amount"] > 300_000 and rng.random() < 0.6:
                add(
                    at(pay_day, 10),
                    unit.accounts[0],
                    co.accounts[0],
                    award["amount"] * 0.3,
                    "转账",
                    "网银",
                    "预付款",
                    award["record"],
                    "public payment",
                )
                later = min(pay_day + dt.timedelta(days=rng.randint(30, 120)), d("2025-12-30"))
                add(
                    at(later, 10),
                    unit.accounts[0],
                    co.accounts[0],
                    award["amount"] * 0.7,
                    "转账",
                    "网银",
                    "合同款",
                    award["record"],
                    "public payment",
                )
            else:
                add(
                    at(pay_day, 10),
                    unit.accounts[0],
                    co.accounts[0],
                    award["amount"],
                    "转账",
                    "网银",
                    "合同款",
                    award["record"],
                    "public payment",
                )
        for f in firms:
            co = c.companies[f]
            for _ in range(rng.randint(2, 10) if co.industry >= 0 else rng.randint(0, 2)):
                other = c.companies[firms[rng.randrange(len(firms))]]
                if other is co:
                    continue
                amount = 10 ** rng.uniform(3.5, 5.8 if co.industry >= 0 else 4.2)
                add(
                    at(random_date(rng, WINDOW_START, REFERENCE_DATE)),
                    co.accounts[0],
                    other.accounts[0],
                    amount,
                    "转账",
                    "网银",
                    rng.choice(("货款", "材料款", "服务费", "运费")),
                )
        for i in adults:
            p = people[i]
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                # Mostly within the family: to parents, children, a sibling; sometimes to anyone.
                kin = c.relatives(i) if rng.random() < 0.6 else []
                target = kin[rng.randrange(len(kin))][0] if kin else adults[rng.randrange(len(adults))]
                if target == i or not people[target].accounts:
                    continue
                amount = 10 ** rng.uniform(2, 4.7)
                add(
                    at(random_date(rng, WINDOW_START, REFERENCE_DATE)),
                    p.accounts[0],
                    people[target].accounts[0],
                    amount,
                    "转账",
                    rng.choice(("手机银行", "网银", "柜面")),
                    rng.choice(("", "生活费", "还款", "红包", "借款")),
                )
            if rng.random() < 0.3:
                amount = 10 ** rng.uniform(2.5, 4.5)
                kind = rng.choice(("现金存入", "现金支取"))
                when = at(random_date(rng, WINDOW_START, REFERENCE_DATE))
                if kind == "现金存入":
                    add(when, -1 - i, p.accounts[0], amount, kind, "柜面", "")
                else:
                    add(when, p.accounts[0], -1 - i, amount, kind, "ATM", "")
        # Cash deposits split under the reporting threshold, by relatives of officials.
        officials = [post.person for post in c.posts if post.leader]
        rng.shuffle(officials)
        for official in officials[: self.n("SPLIT_PAYMENT")]:
            family = [
                r
                for r, rel in c.relatives(official)
                if rel in ("spouse", "child", "sibling") and people[r].accounts and people[r].alive()
            ]
            depositor = family[0] if family else official
            if not people[depositor].accounts:
                continue
            record = self.key.scheme("SPLIT_PAYMENT", threshold=CASH_REPORT_THRESHOLD)
            record.entity("Person", people[depositor].pid, "depositor", id_number=people[depositor].id_number)
            record.entity("Person", people[official].pid, "related official")
            start = random_date(rng, d("2025-03-01"), d("2025-11-20"))
            days = rng.randint(4, 6)
            for k in range(days):
                add(
                    at(start + dt.timedelta(days=k)),
                    -1 - depositor,
                    people[depositor].accounts[0],
                    rng.uniform(0.9, 0.998) * CASH_REPORT_THRESHOLD,
                    "现金存入",
                    "柜面",
                    "",
                    record,
                    "deposit",
                )
        somebody = adults[rng.randrange(len(adults))]
        single = self.key.lookalike(
            "SPLIT_PAYMENT", "one deposit just under the threshold (a car down-payment), not a series"
        )
        single.entity("Person", people[somebody].pid, "depositor")
        add(
            at(d("2025-06-18")),
            -1 - somebody,
            people[somebody].accounts[0],
            49_600.0,
            "现金存入",
            "柜面",
            "",
            single,
            "deposit",
        )
        # A trade cycle among unrelated firms (A pays B pays C pays A): money returns, no official.
        if len(firms) >= 3:
            trio = [c.companies[f] for f in rng.sample(firms, 3)]
            loop = self.key.lookalike(
                "FUND_CYCLE",
                "an ordinary trade cycle between three unrelated firms; no public money, no official's family",
            )
            day = d("2025-05-12")
            for k in range(3):
                add(
                    at(day + dt.timedelta(days=4 * k)),
                    trio[k].accounts[0],
                    trio[(k + 1) % 3].accounts[0],
                    180_000 * (1 - 0.02 * k),
                    "转账",
                    "网银",
                    "货款",
                    loop,
                    "trade",
                )
        serial = 0
        for month in range(1, 13):
            batch = sorted(by_month[month], key=lambda t: (t[0], t[1], t[2], t[3]))
            for when, payer, payee, amount, kind, channel, memo, mark, role in batch:
                serial += 1
                payer_cells, payer_person = self._party(payer)
                payee_cells, payee_person = self._party(payee)
                persons = {}
                if payer_person:
                    persons["付款户名"] = payer_person
                if payee_person:
                    persons["收款户名"] = payee_person
                row = table.write(
                    [f"LS{c.code}{serial:09d}", when, payer_cells[0], payer_cells[1], "居民身份证" if payer_person else "统一社会信用代码", payer_cells[2],
                     payee_cells[0], payee_cells[1], "居民身份证" if payee_person else "统一社会信用代码", payee_cells[2], amount, kind, channel, memo],
                    persons, protect=mark is not None,
                )  # fmt: skip
                if mark is not None:
                    mark.row(table.path, row, role)
            by_month[month] = []
        self.close(table)

    def _party(self, account: int) -> tuple[tuple[str, str, str], str]:
        """(account number, holder name, holder ID) of an account; a negative index is cash in hand."""
        c = self.c
        if account < 0:
            person = c.people[-1 - account]
            return ("", person.name, person.id_number), person.pid
        acct = c.accounts[account]
        if acct.owner_kind == "person":
            person = c.people[acct.owner]
            return (acct.number, person.name, person.id_number), person.pid
        if acct.owner_kind == "company":
            co = c.companies[acct.owner]
            return (acct.number, co.name, co.uscc), ""
        unit = c.units[acct.owner]
        return (acct.number, unit.name, unit.uscc), ""

    # -- 机关事务服务中心: official vehicles, fuel cards, GPS/ETC ----------------------------------

    def official_vehicles(self) -> None:
        c, rng = self.c, self.rng("official")
        fleet_t = self.table(
            "official_vehicles/fleet.csv",
            [Col("使用单位"), Col("单位统一社会信用代码", "uscc"), Col("号牌号码"), Col("品牌型号"), Col("车辆类型"), Col("油箱容积(L)", "int"),
             Col("加油卡号"), Col("车辆用途"), Col("购置日期", "date")],
            "csv", "机关事务服务中心", "公务用车台账 (official vehicles with tank size and fuel card)", Mess(spaces=0.01),
        )  # fmt: skip
        fuel_t = self.table(
            "official_vehicles/fuel_card.csv",
            [Col("交易流水号"), Col("加油卡号"), Col("号牌号码", optional=True), Col("交易时间", "datetime"), Col("加油站"), Col("油品"),
             Col("加油量(L)", "money"), Col("单价(元/L)", "money"), Col("金额(元)", "money")],
            "csv", "中石化/中石油加油卡中心", "公务加油卡消费明细 (fuel-card fills, 2025)",
            Mess(blank=0.01, duplicate=0.002, date_styles=("iso", "slash", "compact"), alt_date=0.2),
        )  # fmt: skip
        gps_t = self.table(
            "official_vehicles/gps_trips.csv",
            [Col("记录编号"), Col("号牌号码"), Col("数据来源"), Col("出发时间", "datetime"), Col("到达时间", "datetime"), Col("出发地"),
             Col("目的地"), Col("目的地类型"), Col("行驶里程(km)", "money"), Col("派车单号", optional=True)],
            "csv", "公务用车监管平台", "公务用车GPS轨迹及ETC通行记录 (official-vehicle trips, 2025)",
            Mess(blank=0.005, duplicate=0.002, date_styles=("iso", "slash"), alt_date=0.1),
        )  # fmt: skip
        places = self.places
        owners = [
            u
            for u, unit in enumerate(c.units)
            if unit.unit_type
            in (
                "party_organ",
                "government_department",
                "supervision_commission",
                "court",
                "procuratorate",
                "peoples_congress",
                "hospital",
                "soe",
            )
            and "委员会" not in unit.name[-5:-3]
        ]
        cars: list[tuple[int, str, int, str]] = []  # (unit, plate, tank, card)
        letter = "MNPQRSTUVWXY"[int(c.city_code[2:]) - 12]
        for u in owners:
            for _ in range(1 if rng.random() < 0.6 else 2):
                serial = len(cars)
                _model_name, tank = rng.choice(
                    (
                        ("大众帕萨特", 66),
                        ("丰田凯美瑞", 60),
                        ("红旗H5", 57),
                        ("别克GL8", 65),
                        ("比亚迪唐DM", 53),
                        ("五菱荣光", 45),
                    )
                )
                cars.append(
                    (u, f"浙{letter}G{c.index % 4}{serial:03d}", tank, f"1000113{c.code}{serial:05d}")
                )
        bus_unit = owners[0]
        cars.append(
            (bus_unit, f"浙{letter}G{c.index % 4}999", 150, f"1000113{c.code}99999")
        )  # a works truck: big tank
        fleet_rows: list[int] = []
        for u, plate, tank, card in cars:
            unit = c.units[u]
            fleet_rows.append(fleet_t.write([unit.name, unit.uscc, plate, "江铃顺达工程车" if tank == 150 else "公务轿车", "中型货车" if tank == 150 else "小型轿车", tank, card,
                           "应急保障" if tank == 150 else rng.choice(("机要通信", "应急保障", "执法执勤", "调研公务")), random_date(rng, d("2016-01-01"), d("2023-12-31"))]))  # fmt: skip
        stations = [f"中国石化{c.name}{t.name[:-1]}加油站" for t in c.towns[:4]] + [
            f"中国石油{c.name}城区加油站"
        ]
        fuel: dict[int, list[tuple[dt.datetime, str, float, Record | None, str]]] = {}
        trips: list[tuple[dt.datetime, dt.datetime, str, str, str, str, float, str, Record | None, str]] = []
        over = self.n("FUEL_OVER_TANK")
        weekend = self.n("CAR_WEEKEND")
        planted_fuel = {k: ("single" if k % 2 == 0 else "double") for k in range(min(over, len(cars) - 1))}
        planted_weekend = set(range(len(cars) - 2, max(-1, len(cars) - 2 - weekend), -1))
        origin = c.name + "人民政府"
        for k, (_u, plate, tank, _card) in enumerate(cars):
            fills = fuel.setdefault(k, [])
            day = d("2025-01-03") + dt.timedelta(days=rng.randint(0, 6))
            while day <= REFERENCE_DATE:
                litres = round(tank * rng.uniform(0.35, 0.85), 2)
                fills.append(
                    (
                        dt.datetime.combine(day, dt.time(rng.randint(8, 18), rng.randint(0, 59))),
                        rng.choice(stations),
                        litres,
                        None,
                        "",
                    )
                )
                day += dt.timedelta(days=rng.randint(6, 14))
            day = WINDOW_START
            while day <= REFERENCE_DATE:
                if is_workday(day) and rng.random() < 0.45:
                    start = dt.datetime.combine(day, dt.time(rng.randint(8, 15), rng.randint(0, 59)))
                    km = round(rng.uniform(5, 80), 1)
                    end = start + dt.timedelta(minutes=int(km * 1.6) + 10)
                    target = rng.choice(places["work_places"])
                    trips.append((start, end, plate, origin, target, "公务场所", km, "", None, ""))
                elif not is_workday(day) and rng.random() < 0.015:
                    start = dt.datetime.combine(day, dt.time(7, 30))
                    trips.append(
                        (
                            start,
                            start + dt.timedelta(hours=2),
                            plate,
                            origin,
                            "水库",
                            "应急值守",
                            42.0,
                            f"PC2025{k:03d}{day:%m%d}",
                            None,
                            "",
                        )
                    )
                day += dt.timedelta(days=1)
        for k, variant in sorted(planted_fuel.items()):
            u, plate, tank, card = cars[k]
            record = self.key.scheme("FUEL_OVER_TANK", variant=variant, tank=tank)
            record.entity("Vehicle", plate, "official car")
            record.row(fleet_t.path, fleet_rows[k], "tank size")
            day = random_date(rng, d("2025-03-01"), d("2025-11-30"))
            if variant == "single":
                fuel[k].append(
                    (
                        dt.datetime.combine(day, dt.time(17, 40)),
                        stations[0],
                        round(tank * rng.uniform(1.2, 1.45), 2),
                        record,
                        "fill",
                    )
                )
            else:
                fuel[k].append(
                    (
                        dt.datetime.combine(day, dt.time(9, 5)),
                        stations[0],
                        round(tank * 0.8, 2),
                        record,
                        "fill",
                    )
                )
                fuel[k].append(
                    (
                        dt.datetime.combine(day, dt.time(15, 20)),
                        stations[-1],
                        round(tank * 0.75, 2),
                        record,
                        "fill",
                    )
                )
        # Look-alikes: the works truck's large fills, and two fills in one day around a long trip.
        truck = len(cars) - 1
        big = self.key.lookalike(
            "FUEL_OVER_TANK", "the works truck has a 150 L tank: a large fill, but within its tank"
        )
        big.row(fleet_t.path, fleet_rows[truck], "tank size")
        fuel[truck].append((dt.datetime(2025, 7, 8, 8, 10), stations[0], 128.5, big, "fill"))
        long_k = len(cars) - 2 if len(cars) > 2 else 0
        u, plate, tank, card = cars[long_k]
        trip_day = d("2025-08-12") if is_workday(d("2025-08-12")) else d("2025-08-13")
        long_trip = self.key.lookalike(
            "FUEL_OVER_TANK", "two fills in one day, each within the tank, with a 520 km trip between them"
        )
        long_trip.row(fleet_t.path, fleet_rows[long_k], "tank size")
        fuel[long_k].append(
            (
                dt.datetime.combine(trip_day, dt.time(7, 10)),
                stations[0],
                round(tank * 0.8, 2),
                long_trip,
                "fill",
            )
        )
        trips.append(
            (
                dt.datetime.combine(trip_day, dt.time(7, 30)),
                dt.datetime.combine(trip_day, dt.time(13, 10)),
                plate,
                origin,
                "省城 (杭州市)",
                "公务场所",
                520.0,
                f"PC2025{long_k:03d}0812",
                long_trip,
                "trip",
            )
        )
        fuel[long_k].append(
            (
                dt.datetime.combine(trip_day, dt.time(13, 40)),
                "中国石化杭州服务区加油站",
                round(tank * 0.7, 2),
                long_trip,
                "fill",
            )
        )
        for k in sorted(planted_weekend):
            if k < 0 or k >= len(cars) - 1:
                continue
            u, plate, tank, card = cars[k]
            record = self.key.scheme("CAR_WEEKEND")
            record.entity("Vehicle", plate, "official car", unit=c.units[u].name)
            saturdays = [d("2025-01-04") + dt.timedelta(days=7 * w) for w in range(50)]
            for w in rng.sample(range(len(saturdays)), 2):
                day = saturdays[w] + dt.timedelta(days=rng.choice((0, 1)))
                if is_workday(day):
                    day += dt.timedelta(days=7)
                kind = rng.choice(("hotels", "scenic_spots"))
                start = dt.datetime.combine(day, dt.time(rng.randint(9, 17), 5))
                trips.append(
                    (
                        start,
                        start + dt.timedelta(minutes=75),
                        plate,
                        origin,
                        rng.choice(places[kind]),
                        "酒店" if kind == "hotels" else "景区",
                        round(rng.uniform(30, 90), 1),
                        "",
                        record,
                        "trip",
                    )
                )
            record.row(fleet_t.path, fleet_rows[k], "vehicle")
        makeup = self.key.lookalike(
            "CAR_WEEKEND", "2025-09-28 is a Sunday but an official make-up working day (调休)"
        )
        u, plate, _tank, _card = cars[0]
        trips.append(
            (
                dt.datetime(2025, 9, 28, 9, 0),
                dt.datetime(2025, 9, 28, 9, 50),
                plate,
                origin,
                "县行政服务中心",
                "公务场所",
                18.0,
                "",
                makeup,
                "trip",
            )
        )
        duty = self.key.lookalike(
            "CAR_WEEKEND", "a weekend trip with an approved dispatch order (派车单) for flood duty"
        )
        trips.append(
            (
                dt.datetime(2025, 7, 19, 6, 30),
                dt.datetime(2025, 7, 19, 8, 0),
                plate,
                origin,
                "水库",
                "应急值守",
                42.0,
                "PC2025FX0719",
                duty,
                "trip",
            )
        )
        serial = 0
        for k, (_u, plate, tank, card) in enumerate(cars):
            for when, station, litres, mark, role in sorted(fuel[k], key=lambda f: f[0]):
                serial += 1
                price = 7.62 if when.month < 7 else 7.48
                row = fuel_t.write(
                    [
                        f"JY{c.code}{serial:07d}",
                        card,
                        plate,
                        when,
                        station,
                        "92#汽油" if tank != 150 else "0#柴油",
                        litres,
                        price,
                        float(round(litres * price, 2)),
                    ],
                    protect=mark is not None,
                )
                if mark is not None:
                    mark.row(fuel_t.path, row, role)
        trips.sort(key=lambda t: (t[0], t[2]))
        for n, (start, end, plate, origin_name, target, target_kind, km, dispatch, mark, role) in enumerate(
            trips, start=1
        ):
            source = "ETC" if target_kind in ("酒店", "景区") and n % 2 == 0 else "GPS"
            row = gps_t.write(
                [
                    f"GJ{c.code}{n:08d}",
                    plate,
                    source,
                    start,
                    end,
                    origin_name,
                    target,
                    target_kind,
                    km,
                    dispatch,
                ],
                protect=mark is not None,
            )
            if mark is not None:
                mark.row(gps_t.path, row, role)
        self.close(fleet_t, fuel_t, gps_t)

    # -- 财政局: meal invoices and reimbursements (公务接待) --------------------------------------

    def meals(self) -> None:
        c, rng = self.c, self.rng("meals")
        table = self.table(
            "spending/meal_reimbursements.csv",
            [Col("报销单号"), Col("单位名称"), Col("单位统一社会信用代码", "uscc"), Col("报销人", "name"), Col("发票号码"), Col("开票日期", "date"),
             Col("销售方名称"), Col("发票金额(元)", "money"), Col("就餐人数", "int"), Col("接待对象", optional=True), Col("公函编号", optional=True)],
            "csv", "财政局会计核算中心", "公务接待用餐发票及报销 (meal invoices and reimbursements, 2025)",
            Mess(blank=0.02, duplicate=0.002, typo=0.01, date_styles=("iso", "cn", "slash"), alt_date=0.2),
        )  # fmt: skip
        places = self.places
        hosts = [
            u
            for u, unit in enumerate(c.units)
            if unit.unit_type in ("government_department", "party_organ", "peoples_congress", "soe")
        ]
        staff_of: dict[int, list[int]] = {}
        for post in c.posts:
            staff_of.setdefault(post.unit, []).append(post.person)
        plain = [f"{c.name}{t.name[:-1]}{kind}" for t in c.towns for kind in places["restaurants_plain"][:3]]
        luxury = [f"{c.name}{name}" for name in ("云栖会所", "梅江国际大酒店", "渔港海鲜楼", "兰亭私房菜馆")]
        rows: list[tuple[dt.date, int, str, float, int, str, Record | None, str]] = []
        for u in hosts:
            for _ in range(rng.randint(2, 10)):
                diners = rng.randint(3, 10)
                rows.append(
                    (
                        random_date(rng, WINDOW_START, REFERENCE_DATE),
                        u,
                        rng.choice(plain),
                        float(round(diners * rng.uniform(45, 140), 2)),
                        diners,
                        rng.choice(("上级检查组", "兄弟县考察团", "调研组", "招商客商")),
                        None,
                        "",
                    )
                )
        for k in range(self.n("MEAL_OVER_STANDARD")):
            u = hosts[rng.randrange(len(hosts))]
            variant = ("per_head", "luxury", "split")[k % 3]
            record = self.key.scheme(
                "MEAL_OVER_STANDARD", variant=variant, standard_per_head=MEAL_STANDARD_PER_HEAD
            )
            record.entity("Unit", c.units[u].uscc, "host", name=c.units[u].name)
            day = random_date(rng, d("2025-02-01"), d("2025-12-20"))
            diners = rng.randint(6, 10)
            if variant == "per_head":
                rows.append(
                    (
                        day,
                        u,
                        rng.choice(plain),
                        float(round(diners * rng.uniform(260, 420), 2)),
                        diners,
                        "考察团",
                        record,
                        "invoice",
                    )
                )
            elif variant == "luxury":
                rows.append(
                    (
                        day,
                        u,
                        rng.choice(luxury),
                        float(round(diners * rng.uniform(400, 700), 2)),
                        diners,
                        "客商",
                        record,
                        "invoice",
                    )
                )
            else:
                venue = rng.choice(plain)
                rows.append(
                    (day, u, venue, float(round(diners * 140, 2)), diners, "检查组", record, "invoice")
                )
                rows.append(
                    (day, u, venue, float(round(diners * 120, 2)), diners, "检查组", record, "invoice")
                )
        u = hosts[0]
        big = self.key.lookalike(
            "MEAL_OVER_STANDARD",
            "a large invoice for a 30-person working meal: 120 yuan a head, within the standard",
        )
        rows.append((d("2025-04-23"), u, plain[0], 3600.0, 30, "全县工作会议", big, "invoice"))
        rows.sort(key=lambda r: (r[0], r[1], r[2]))
        for n, (day, u, venue, amount, diners, guest, mark, role) in enumerate(rows, start=1):
            unit = c.units[u]
            staff = staff_of.get(u) or [c.posts[0].person]
            claimant = c.people[staff[n % len(staff)]]
            row = table.write(
                [
                    f"BX{c.code}{n:06d}",
                    unit.name,
                    unit.uscc,
                    claimant.name,
                    f"3312{250000000 + n * 7919 % 99999999:08d}",
                    day,
                    venue,
                    amount,
                    diners,
                    guest,
                    f"{unit.name[:4]}函〔2025〕{n % 97 + 1}号",
                ],
                {"报销人": claimant.pid},
                protect=mark is not None,
            )
            if mark is not None:
                mark.row(table.path, row, role)
        self.close(table)

    # -- 信访举报: reports from the public (letter, web, phone, WeChat) -----------------------------

    def reports(self) -> None:
        c, rng = self.c, self.rng("reports")
        table = self.table(
            "reports/reports.csv",
            [Col("举报编号"), Col("渠道"), Col("收到时间", "datetime"), Col("署名方式"), Col("举报人", "name", True), Col("举报人电话", "phone", True),
             Col("被反映人", "name", True), Col("被反映人单位", optional=True), Col("问题类别"), Col("反映内容"), Col("所属区划代码")],
            "csv", "纪委监委信访室", "信访举报 (reports from the public: 来信, 网络, 电话, 微信)",
            Mess(blank=0.0, duplicate=0.003, date_styles=("iso", "slash"), alt_date=0.2),
        )  # fmt: skip
        data = load_data("reports")
        topics, relations = data["topics"], data["relations"]
        channels = {"letter": "来信", "web": "网络举报", "phone": "12388电话", "wechat": "微信公众号"}
        category = {
            "coi": "利益输送",
            "dibao": "优亲厚友",
            "car": "公车私用",
            "meal": "违规吃喝",
            "payroll": "吃空饷",
            "bid": "围标串标",
            "noise": "其他",
        }
        items: list[tuple[dt.datetime, str, str, dict[str, str], int, Record | None, str]] = []
        adults = [i for i, p in enumerate(c.people) if p.alive() and p.age() >= 25]

        def slots(**values: str) -> dict[str, str]:
            town = c.towns[rng.randrange(len(c.towns))]
            village = c.villages[rng.randrange(len(c.villages))]
            base = {"town": town.name, "village": village.name, "year": "2025", "amount": str(rng.randint(50, 900)), "unit": "", "name": "", "company": "",
                    "relation": "亲戚", "plate": "", "hotel": rng.choice(self.places["hotels"]), "restaurant": "某酒店"}  # fmt: skip
            return base | values

        def when() -> dt.datetime:
            return dt.datetime.combine(
                random_date(rng, d("2025-02-01"), REFERENCE_DATE),
                dt.time(rng.randint(8, 21), rng.randint(0, 59)),
            )

        for record in self.key.schemes:
            if rng.random() > 0.5:
                continue
            subject = -1
            person_ids = [e["id"] for e in record.entities if e["type"] == "Person"]
            if record.kind == "COI_RELATIVE_SUPPLIER":
                official = next(e for e in record.entities if e["role"] == "official")
                subject = int(official["id"][7:])
                relation = relations.get(record.facts.get("relation", ""), "亲戚")
                company = next(e for e in record.entities if e["type"] == "Company")
                name = next(co.name for co in c.companies if co.cid == company["id"])
                values = slots(
                    name=c.people[subject].name,
                    unit=record.facts.get("unit", ""),
                    relation=relation,
                    company=name,
                )
                items.append((when(), "coi", rng.choice(list(channels)), values, subject, record, "report"))
            elif record.kind == "DIBAO_INELIGIBLE" and person_ids:
                subject = int(person_ids[0][7:])
                p = c.people[subject]
                values = slots(
                    name=p.name,
                    village=c.villages[p.village].name,
                    town=c.towns[c.villages[p.village].town].name,
                    relation="亲戚",
                )
                items.append((when(), "dibao", rng.choice(list(channels)), values, subject, record, "report"))
            elif record.kind == "CAR_WEEKEND":
                vehicle = record.entities[0]
                items.append(
                    (
                        when(),
                        "car",
                        rng.choice(list(channels)),
                        slots(plate=vehicle["id"], unit=vehicle.get("unit", "")),
                        -1,
                        record,
                        "report",
                    )
                )
            elif record.kind == "GHOST_PAYROLL" and person_ids:
                subject = int(person_ids[0][7:])
                unit = c.units[self.unit_of(subject)].name if self.unit_of(subject) >= 0 else ""
                items.append(
                    (
                        when(),
                        "payroll",
                        rng.choice(list(channels)),
                        slots(name=c.people[subject].name, unit=unit),
                        subject,
                        record,
                        "report",
                    )
                )
            elif record.kind == "MEAL_OVER_STANDARD":
                unit = record.entities[0].get("name", "")
                items.append(
                    (
                        when(),
                        "meal",
                        rng.choice(list(channels)),
                        slots(unit=unit, restaurant="高档酒店", amount=str(rng.randint(3, 9))),
                        -1,
                        record,
                        "report",
                    )
                )
        for _ in range(max(5, self.residents // 1000)):
            topic = rng.choice(("noise", "noise", "noise", "coi", "dibao", "car", "meal", "payroll", "bid"))
            subject = adults[rng.randrange(len(adults))]
            unit = c.units[rng.randrange(len(c.units))].name
            company_name = c.companies[rng.randrange(len(c.companies))].name
            values = slots(
                name=c.people[subject].name,
                unit=unit,
                company=company_name,
                plate=f"浙{'MNPQRSTUVWXY'[int(c.city_code[2:]) - 12]}G{c.index % 4}{rng.randint(0, 999):03d}",
            )
            items.append(
                (
                    when(),
                    topic,
                    rng.choice(list(channels)),
                    values,
                    subject if topic in ("coi", "dibao", "payroll") or rng.random() < 0.3 else -1,
                    None,
                    "",
                )
            )
        items.sort(key=lambda t: t[0])
        for n, (received, topic, channel, values, subject, mark, role) in enumerate(items, start=1):
            texts = topics[topic]
            key = channel if channel in texts else "letter"
            if topic == "noise" and rng.random() < 0.5 and f"{key}2" in texts:
                key = f"{key}2"
            text = texts[key].format(**values)
            real_name = channel != "wechat" and rng.random() < 0.35
            reporter = c.people[adults[rng.randrange(len(adults))]]
            persons = {"举报人": reporter.pid} if real_name else {}
            subject_name = c.people[subject].name if subject >= 0 else ""
            if subject >= 0:
                persons["被反映人"] = c.people[subject].pid
            row = table.write(
                [f"XF{c.code}2025{n:05d}", channels[channel], received, "实名" if real_name else "匿名", reporter.name if real_name else "", reporter.phone if real_name else "",
                 subject_name, values.get("unit", ""), category[topic], text, c.code + "000000"],
                persons, protect=mark is not None,
            )  # fmt: skip
            if mark is not None:
                mark.row(table.path, row, role)
        self.close(table)
