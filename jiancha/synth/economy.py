"""The county's economy: companies (企业) and individual businesses (个体工商户) with valid USCCs,
legal representatives, shareholders, directors, staff; employment; bank accounts (银行账户).
"""

from __future__ import annotations

import datetime as dt
import random

from . import ids
from .model import REFERENCE_DATE, Account, Company, County
from .names import load_data
from .rng import Weighted, random_date


def industries() -> list[dict]:
    data: list[dict] = load_data("companies")["industries"]
    return data


def build_companies(county: County, count: int, rng: random.Random) -> None:
    data = load_data("companies")
    places = load_data("places")
    inds = industries()
    forms = Weighted(list(data["forms"]), list(data["forms"].values()))
    people = county.people
    adults = [i for i, p in enumerate(people) if p.alive() and 25 <= p.age() <= 68 and p.post < 0]
    used_names: set[str] = set()
    for k in range(count):
        shop = rng.random() < 0.35
        village = rng.randrange(len(county.villages))
        town = county.towns[county.villages[village].town]
        place = town.name[:-2] if town.kind == "street" else town.name[:-1]
        legal_rep = rng.choice(adults)
        if shop:
            industry = -1
            name = f"{county.name}{place}{people[legal_rep].name}{rng.choice(data['shop_kinds'])}"
            if name in used_names:
                name = f"{county.name}{place}{rng.choice(data['brands'])}{rng.choice(data['shop_kinds'])}"
        else:
            industry = rng.randrange(len(inds))
            prefix = county.name[:-1] if rng.random() < 0.6 else county.city_name[:-1]
            for _ in range(20):
                name = f"{prefix}{rng.choice(data['brands'])}{inds[industry]['name']}{forms.draw(rng)}"
                if name not in used_names:
                    break
            else:
                name = f"{prefix}{rng.choice(data['brands'])}{rng.choice(data['brands'])}{inds[industry]['name']}有限公司"
        used_names.add(name)
        code = ids.uscc(
            "individual" if shop else "company", county.code, 50_000_000 + county.index * 400_000 + k + 1
        )
        # Recent years see most registrations, as in the real register.
        founded = (
            random_date(rng, dt.date(1998, 1, 1), REFERENCE_DATE)
            if rng.random() < 0.4
            else random_date(rng, dt.date(2015, 1, 1), REFERENCE_DATE)
        )
        if shop:
            staff = rng.randint(1, 5)
        else:
            low, high = inds[industry]["staff"]
            staff = int(low + (high - low) * rng.random() ** 2.5)
        street = rng.choice(places["street_head"]) + rng.choice(places["street_suffix"])
        company = Company(
            cid=f"C{county.code}{k:06d}",
            name=name,
            uscc=code,
            industry=industry,
            legal_rep=legal_rep,
            founded=founded,
            staff=staff,
            capital=rng.choice((3, 5, 10, 50, 100, 200, 500, 1000, 2000, 5000))
            if not shop
            else rng.choice((1, 2, 3, 5)),
            address=f"浙江省{county.city_name}{county.name}{town.name}{street}{rng.randint(1, 388)}号",
            phone=people[legal_rep].phone
            if rng.random() < 0.6
            else f"0578-{rng.randint(2_000_000, 8_999_999)}",
            village=village,
        )
        roll = rng.random()
        if roll < 0.04:
            company.status = "吊销"
        elif roll < 0.10:
            company.status = "注销"
        company.shareholders.append((legal_rep, 1.0))
        if not shop and rng.random() < 0.55:
            # Family firms are the norm: the second shareholder is usually the spouse or a sibling.
            spouse = people[legal_rep].spouse
            siblings = county.siblings_of(legal_rep)
            other = (
                spouse
                if spouse >= 0 and rng.random() < 0.6 and people[spouse].alive()
                else (rng.choice(siblings) if siblings and rng.random() < 0.5 else rng.choice(adults))
            )
            if other != legal_rep:
                share = rng.choice((0.2, 0.3, 0.4, 0.49))
                company.shareholders = [(legal_rep, 1 - share), (other, share)]
        if not shop:
            company.directors.append((legal_rep, "执行董事兼总经理"))
            supervisor = company.shareholders[-1][0] if len(company.shareholders) > 1 else rng.choice(adults)
            if supervisor != legal_rep:
                company.directors.append((supervisor, "监事"))
            company.contact = legal_rep if rng.random() < 0.5 else rng.choice(adults)
        county.companies.append(company)
    firms = [c for c in county.companies if c.industry >= 0]
    for company in firms:
        if rng.random() < 0.05 and len(firms) > 1:
            parent = rng.randrange(len(county.companies))
            if county.companies[parent].industry >= 0 and county.companies[parent] is not company:
                company.company_shareholders.append((parent, 0.3))
                company.shareholders = [(p, s * 0.7) for p, s in company.shareholders]


def assign_employment(county: County, rng: random.Random) -> None:
    """Working-age residents without a public post work for a company (insured there) or not."""
    people = county.people
    active = [i for i, c in enumerate(county.companies) if c.status == "存续"]
    if not active:
        return
    weights = Weighted(active, [county.companies[i].staff for i in active])
    for person in people:
        if person.post < 0 and person.alive() and 20 <= person.age() <= 60 and rng.random() < 0.55:
            person.employer = int(weights.draw(rng))  # type: ignore[call-overload]


def open_accounts(county: County, rng: random.Random) -> None:
    """Bank accounts: one or two per adult (kept after death, as banks do), companies and units."""
    banks = load_data("companies")["banks"]
    names = list(banks)
    serial = 0

    def number(kind: str, bank: str) -> str:
        nonlocal serial
        serial += 1
        if kind == "person":
            return f"{banks[bank]}{county.code}{serial:07d}"
        return f"3301{county.code}{serial:09d}"

    for i, person in enumerate(county.people):
        if person.age(min(person.death or REFERENCE_DATE, REFERENCE_DATE)) < 18:
            continue
        for _ in range(2 if rng.random() < 0.3 else 1):
            bank = rng.choice(names)
            person.accounts.append(len(county.accounts))
            county.accounts.append(Account(number("person", bank), bank, "person", i))
    for i, company in enumerate(county.companies):
        for _ in range(2 if rng.random() < 0.2 else 1):
            bank = rng.choice(names)
            company.accounts.append(len(county.accounts))
            county.accounts.append(Account(number("company", bank), bank, "company", i))
    for i, unit in enumerate(county.units):
        bank = rng.choice(("农业银行", "农商银行", "工商银行"))
        unit.accounts.append(len(county.accounts))
        county.accounts.append(Account(number("unit", bank), bank, "unit", i))
