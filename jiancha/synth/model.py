"""The synthetic region in memory, one county at a time: people, units, posts, companies, accounts.

Plain records with ``__slots__`` (a county holds up to a few hundred thousand people). Indices into
the county's lists stand for references; ``pid``/``cid`` strings are the true identities written to
the answer key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

REFERENCE_DATE = dt.date(2025, 12, 31)  # "today" for the region: every feed is extracted on this day
WINDOW_START = dt.date(2025, 1, 1)  # transactions, procurement and vehicle records cover 2025
PAYMENT_MONTHS = (7, 8, 9, 10, 11, 12)  # monthly benefit, pension and payroll runs in the feeds
TENDER_THRESHOLD = 1_000_000  # 公开招标数额标准 (yuan): below it a buyer may buy without open tender
CASH_REPORT_THRESHOLD = 50_000  # 大额现金交易报告标准 (yuan, per day)
MEAL_STANDARD_PER_HEAD = 150  # 公务接待 per-head standard per meal (yuan), a county figure


@dataclass(slots=True)
class Person:
    """A resident (居民) as the household register knows them."""

    pid: str
    name: str
    male: bool
    birth: dt.date
    id_number: str
    village: int  # index into County.villages
    household: int = -1
    death: dt.date | None = None
    father: int = -1
    mother: int = -1
    spouse: int = -1
    phone: str = ""
    party: bool = False
    education: str = "初中"
    employer: int = -1  # company index
    post: int = -1  # index into County.posts
    accounts: list[int] = field(default_factory=list)

    def age(self, on: dt.date = REFERENCE_DATE) -> int:
        return on.year - self.birth.year - ((on.month, on.day) < (self.birth.month, self.birth.day))

    def alive(self, on: dt.date = REFERENCE_DATE) -> bool:
        return self.death is None or self.death > on


@dataclass(slots=True)
class Village:
    """A village (村) or community (社区) with its 12-digit code."""

    code: str
    name: str
    kind: str  # village | community
    town: int
    population: int = 0


@dataclass(slots=True)
class Town:
    code: str
    name: str
    kind: str  # town | township | street


@dataclass(slots=True)
class Unit:
    """A public unit (单位) of the organisation tree."""

    name: str
    unit_type: str
    division: str
    parent: str
    uscc: str
    buys: str = ""  # what it procures: "" (nothing), or a mix key
    accounts: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Post:
    """A person's job in a public unit (任职): position, rank and Art. 15 category."""

    person: int
    unit: int
    position: str
    rank: str
    staff_type: str  # 公务员 / 参公 / 事业 / 企业 / 村干部
    category: int  # 监察法 Art. 15 category 1-6, 0 if not a supervised person
    leader: bool
    start: dt.date
    end: dt.date | None = None


@dataclass(slots=True)
class Company:
    """A registered enterprise (企业) or individual business (个体工商户)."""

    cid: str
    name: str
    uscc: str
    industry: int  # index into the companies.yaml industries; -1 for a shop
    legal_rep: int
    founded: dt.date
    staff: int
    capital: int  # registered capital, 10,000 yuan
    address: str
    phone: str
    status: str = "存续"
    shareholders: list[tuple[int, float]] = field(default_factory=list)  # (person, share)
    company_shareholders: list[tuple[int, float]] = field(default_factory=list)
    directors: list[tuple[int, str]] = field(default_factory=list)  # (person, role)
    accounts: list[int] = field(default_factory=list)
    contact: int = -1  # bid contact person
    village: int = 0


@dataclass(slots=True)
class Account:
    """A bank account (银行账户): owner is a person, a company or a unit."""

    number: str
    bank: str
    owner_kind: str  # person | company | unit
    owner: int


@dataclass
class County:
    """Everything generated for one county-level division."""

    index: int
    residents: int  # living residents to generate
    code: str  # 6 digits
    name: str
    kind: str  # county | district
    city_code: str  # 4 digits
    city_name: str
    seed: int
    scale: str
    hosts_city: bool  # the city's organs are generated with its first district
    towns: list[Town] = field(default_factory=list)
    villages: list[Village] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    households: list[list[int]] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    posts: list[Post] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)
    accounts: list[Account] = field(default_factory=list)

    def relatives(self, index: int) -> list[tuple[int, str]]:
        """Close relatives as a conflict-of-interest rule counts them: spouse, children, parents,
        siblings and in-laws (配偶、子女、父母、兄弟姐妹、姻亲)."""
        person = self.people[index]
        found: list[tuple[int, str]] = []
        if person.spouse >= 0:
            found.append((person.spouse, "spouse"))
        for child in self.children_of(index):
            found.append((child, "child"))
        for parent in (person.father, person.mother):
            if parent >= 0:
                found.append((parent, "parent"))
        for sibling in self.siblings_of(index):
            found.append((sibling, "sibling"))
        if person.spouse >= 0:
            for sibling in self.siblings_of(person.spouse):
                found.append((sibling, "in_law"))
            spouse = self.people[person.spouse]
            for parent in (spouse.father, spouse.mother):
                if parent >= 0:
                    found.append((parent, "in_law"))
        return found

    _children: dict[int, list[int]] = field(default_factory=dict)

    def index_children(self) -> None:
        self._children = {}
        for i, person in enumerate(self.people):
            for parent in (person.father, person.mother):
                if parent >= 0:
                    self._children.setdefault(parent, []).append(i)

    def children_of(self, index: int) -> list[int]:
        return self._children.get(index, [])

    def siblings_of(self, index: int) -> list[int]:
        person = self.people[index]
        if person.father < 0:
            return []
        return [i for i in self.children_of(person.father) if i != index]
