"""Residents of a county (户籍人口): families over three to four generations, households, births and
deaths, resident ID numbers with correct check characters, phones and Party membership.

Families are built as clans: an elder couple, their children, the children's spouses (often from
another clan, which makes in-laws 姻亲), grandchildren and so on, so that every kinship relation a
conflict-of-interest rule asks about (配偶、子女、父母、兄弟姐妹、姻亲) exists in the data.
"""

from __future__ import annotations

import datetime as dt
import random

from . import ids
from .model import REFERENCE_DATE, County, Person
from .names import NameBook, load_data
from .rng import random_date

_EDUCATION_OLD = ("小学", "初中", "初中", "高中", "中专")
_EDUCATION_YOUNG = ("初中", "高中", "中专", "大专", "本科", "本科", "硕士")


class IdAllocator:
    """Unique resident IDs: same area, birth date and sequence (顺序码) may not repeat.

    Area codes shared by every county (migrants' birthplaces) get a block of sequences per county,
    so counties generated apart (or in parallel) never issue the same number.
    """

    def __init__(self, county: County) -> None:
        self.county = county
        self.used: set[str] = set()

    def allocate(self, rng: random.Random, area: str, birth: dt.date, male: bool) -> str:
        native = area == self.county.code
        for attempt in range(40):
            if native or attempt >= 15:
                area = self.county.code if attempt >= 15 else area
                m = rng.randrange(500)
            else:
                m = (self.county.index % 33) * 15 + attempt
            sequence = 2 * m + (1 if male else 0)
            number = ids.resident_id(area, birth, sequence)
            if number[:17] not in self.used:
                self.used.add(number[:17])
                return number
        raise RuntimeError("no free ID sequence")


def _phone(rng: random.Random) -> str:
    return (
        rng.choice(("13", "15", "18", "17", "19"))
        + str(rng.randrange(10))
        + f"{rng.randrange(100_000_000):08d}"
    )


def _death(rng: random.Random, birth: dt.date) -> dt.date | None:
    age = REFERENCE_DATE.year - birth.year
    probability = min(0.92, ((age - 62) / 33) ** 2) if age > 62 else 0.004
    if rng.random() >= probability:
        return None
    earliest = max(dt.date(birth.year + min(age - 1, 55), 1, 1), dt.date(2008, 1, 1), birth)
    return random_date(rng, earliest, REFERENCE_DATE)


def build_people(county: County, target: int, rng: random.Random, book: NameBook) -> None:
    """Fill ``county.people`` and ``county.households`` until ``target`` residents are alive."""
    migrant_areas = load_data("places")["migrant_area_codes"]
    allocator = IdAllocator(county)
    people = county.people
    villages = len(county.villages)
    alive = 0

    def new_person(name_surname: str, male: bool, birth: dt.date, village: int, migrant: bool) -> int:
        nonlocal alive
        area = rng.choice(migrant_areas) if migrant else county.code
        name = name_surname + book.given_name(rng, male, birth.year)
        number = allocator.allocate(rng, area, birth, male)
        person = Person(
            pid=f"P{county.code}{len(people):07d}",
            name=name,
            male=male,
            birth=birth,
            id_number=number,
            village=village,
            death=_death(rng, birth),
            phone=_phone(rng),
            education=rng.choice(_EDUCATION_OLD if birth.year < 1975 else _EDUCATION_YOUNG),
        )
        person.party = rng.random() < (0.09 if person.education in ("本科", "硕士") else 0.05)
        people.append(person)
        if person.alive() and birth <= REFERENCE_DATE:
            alive += 1
        return len(people) - 1

    def birth_after(mother: int, low: int, high: int) -> dt.date | None:
        base = people[mother].birth
        year = base.year + rng.randint(low, high)
        day = dt.date(min(year, 2030), rng.randint(1, 12), rng.randint(1, 28))
        death = people[mother].death
        if day > REFERENCE_DATE or (death is not None and day > death):
            return None
        return day

    def add_children(father: int, mother: int, count: int, village: int) -> list[int]:
        kids = []
        for _ in range(count):
            birth = birth_after(mother, 22, 37)
            if birth is None:
                continue
            surname = people[father].name[: len(people[father].name) - _given_len(people[father].name)]
            if rng.random() < 0.04:
                surname = people[mother].name[: len(people[mother].name) - _given_len(people[mother].name)]
            kid = new_person(surname, rng.random() < 0.515, birth, village, False)
            people[kid].father, people[kid].mother = father, mother
            kids.append(kid)
        return kids

    while alive < target:
        # One batch of clans at a time, so that children of different clans can marry each other.
        generation: list[int] = []
        for _ in range(max(20, (target - alive) // 40)):
            village = rng.randrange(villages)
            year = rng.randint(1932, 1968)
            husband = new_person(
                book.surname(rng),
                True,
                dt.date(year, rng.randint(1, 12), rng.randint(1, 28)),
                village,
                rng.random() < 0.06,
            )
            wife_birth = dt.date(year + rng.randint(0, 4), rng.randint(1, 12), rng.randint(1, 28))
            wife = new_person(book.surname(rng), False, wife_birth, village, rng.random() < 0.08)
            people[husband].spouse, people[wife].spouse = wife, husband
            county.households.append([husband, wife])
            for index in (husband, wife):
                people[index].household = len(county.households) - 1
            count = rng.choice((2, 3, 3, 4)) if year < 1955 else rng.choice((1, 1, 2, 2, 3))
            kids = add_children(husband, wife, count, village)
            for kid in kids:
                people[kid].household = people[husband].household
                county.households[people[husband].household].append(kid)
            generation.extend(kids)
        for _depth in range(3):
            generation = _marry_and_bear(generation, people, county, rng, book, new_person, add_children)
            if not generation:
                break
    for index, person in enumerate(people):
        if person.alive():
            county.villages[person.village].population += 1
        person.household = person.household if person.household >= 0 else index
    county.index_children()


def _given_len(name: str) -> int:
    return (
        1
        if len(name) == 2
        else 2
        if len(name) >= 3 and name[:2] not in ("欧阳", "诸葛", "司马")
        else len(name) - 2
    )


def _marry_and_bear(generation, people, county, rng, book, new_person, add_children) -> list[int]:  # type: ignore[no-untyped-def]
    """Marry the adults of one generation (to each other or to newcomers) and bear the next one."""
    adults = [
        i
        for i in generation
        if people[i].age() >= 23 and people[i].alive(people[i].birth.replace(year=people[i].birth.year + 23))
    ]
    rng.shuffle(adults)
    men = [i for i in adults if people[i].male]
    women = [i for i in adults if not people[i].male]
    couples: list[tuple[int, int]] = []
    for man in men:
        if rng.random() > 0.88:
            continue
        partner = -1
        while women and partner < 0:
            candidate = women.pop()
            if (
                abs(people[candidate].birth.year - people[man].birth.year) <= 8
                and people[candidate].father != people[man].father
            ):
                partner = candidate
            elif rng.random() < 0.7:
                women.insert(0, candidate)
                break
        if partner < 0:
            birth = dt.date(
                people[man].birth.year + rng.randint(-1, 5), rng.randint(1, 12), rng.randint(1, 28)
            )
            partner = new_person(book.surname(rng), False, birth, people[man].village, rng.random() < 0.4)
        couples.append((man, partner))
    for woman in women:
        if rng.random() < 0.55:
            birth = dt.date(
                people[woman].birth.year - rng.randint(0, 5), rng.randint(1, 12), rng.randint(1, 28)
            )
            husband = new_person(book.surname(rng), True, birth, people[woman].village, rng.random() < 0.4)
            couples.append((husband, woman))
    following: list[int] = []
    for man, woman in couples:
        people[man].spouse, people[woman].spouse = woman, man
        for index in (man, woman):
            old = people[index].household
            if old >= 0 and index in county.households[old]:
                county.households[old].remove(index)
        household = len(county.households)
        village = people[man].village
        people[woman].village = village
        county.households.append([man, woman])
        people[man].household = people[woman].household = household
        kids = add_children(
            man,
            woman,
            rng.choice((0, 1, 1, 2, 2)) if people[woman].birth.year >= 1975 else rng.choice((1, 2, 2)),
            village,
        )
        for kid in kids:
            people[kid].household = household
            county.households[household].append(kid)
        following.extend(kids)
    return following
