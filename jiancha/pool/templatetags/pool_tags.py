"""Labels for the pool's columns and sections, and helpers to lay facts out as tables."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "name": _("Name"), "gender": _("Gender"), "birthDate": _("Birth date"), "address": _("Address"), "phone": _("Phone"),
    "householdId": _("Household"), "divisionCode": _("Division"), "status": _("Status"), "deathDate": _("Date of death"),
    "registrationDate": _("Registered"), "authority": _("Authority"), "employerName": _("Employer"), "employer": _("Employer USCC"),
    "role": _("Post"), "rank": _("Rank"), "staffType": _("Staff type"), "art15Category": _("Art. 15 category"),
    "isLeader": _("Leading post"), "partyMember": _("Party member"), "startDate": _("From"), "endDate": _("Until"),
    "relationship": _("Relation"), "idNumber": _("Resident ID"), "direction": _("Direction"), "link": _("Link"),
    "uscCode": _("USCC"), "percentage": _("Share %"), "sharesValue": _("Subscribed (10k yuan)"),
    "certificateNumber": _("Certificate"), "area": _("Area (m²)"), "use": _("Use"), "cancelledDate": _("Cancelled"),
    "holding": _("Holding"), "registrationNumber": _("Plate"), "model": _("Model"), "type": _("Type"), "account": _("Account"),
    "transactions": _("Transactions"), "counterpart": _("Counterpart"), "total": _("Total (yuan)"), "first": _("First"),
    "last": _("Last"), "kind": _("Kind"), "tenderId": _("Tender"), "company": _("Company"), "amount": _("Amount (yuan)"),
    "date": _("Date"), "scheme": _("Scheme"), "payments": _("Payments"), "months": _("Months"), "year": _("Year"),
    "itemType": _("Item"), "relativeName": _("Family member"), "details": _("Details"), "legalForm": _("Legal form"),
    "legalRepresentativeName": _("Legal representative"), "legalRepresentative": _("Legal representative ID"),
    "incorporationDate": _("Founded"), "capital": _("Capital (10k yuan)"), "sector": _("Sector"), "employees": _("Staff"),
    "ownerName": _("Shareholder"), "ownerType": _("Shareholder type"), "owner": _("Shareholder ID"), "ownerCompany": _("Shareholder USCC"),
    "directorName": _("Officer"), "director": _("Officer ID"), "asset": _("Company USCC"), "assetName": _("Company"),
    "period": _("Period"), "title": _("Title"), "buyerName": _("Buyer"), "disqualified": _("Disqualified"), "submitted": _("Submitted"),
    "insured": _("Insured staff"), "records": _("Records"), "departments": _("Departments"),
}  # fmt: skip
SECTIONS = {
    "identity": _("Identity"), "death": _("Death register"), "positions": _("Positions"), "family": _("Family"),
    "companies": _("Companies held or led"), "properties": _("Real estate"), "vehicles": _("Vehicles"), "accounts": _("Bank accounts"),
    "payments": _("Payments (summary)"), "procurement": _("Procurement"), "benefits": _("Benefits received"),
    "payroll": _("Salary"), "social_insurance": _("Social insurance"), "declarations": _("Personal-matters declarations"),
    "owners": _("Shareholders"), "officers": _("Officers"), "investments": _("Investments in other companies"), "tax": _("Tax paid"),
    "bids": _("Bids"), "awards": _("Contracts won"), "employees": _("Insured staff by month"),
    "aliases": _("Names used by departments"), "resolved": _("Records without ID number attributed by entity resolution"),
}  # fmt: skip
HIDDEN = {"feed", "file", "row"}
# Coded values the profile queries produce, shown in the reader's language.
VALUES = {
    "father": _("father"), "mother": _("mother"), "spouse": _("spouse"), "child": _("child"),
    "recorded": _("recorded"), "inferred": _("inferred from the relative's record"),
    "shareholder": _("shareholder"), "legal_representative": _("legal representative"),
    "owner": _("owner"), "co-owner": _("co-owner"), "in": _("received"), "out": _("paid"),
    "bid": _("bid"), "award": _("award"), "model": _("matching model"), "analyst": _("analyst's decision"),
}  # fmt: skip


@register.filter
def reason_label(text: str) -> str:
    """A reason code, or "Table.field: code" from a quality summary, in words."""
    from jiancha.pool.mapping import REASONS

    where, _sep, code = str(text).rpartition(": ")
    label = REASONS.get(code)
    if label is None:
        return str(REASONS.get(str(text), text))
    return f"{where}: {label}" if where else str(label)


@register.filter
def shown(value: Any) -> Any:
    if isinstance(value, str) and value in VALUES:
        return str(VALUES[value])
    if isinstance(value, str) and value.startswith("officer: "):
        return f"{_('officer')}: {value.removeprefix('officer: ')}"
    return value


@register.filter
def with_facts(sections: dict[str, list[dict[str, Any]]]) -> list[tuple[str, list[dict[str, Any]]]]:
    return [(name, facts) for name, facts in sections.items() if facts]


@register.filter
def without_facts(sections: dict[str, list[dict[str, Any]]]) -> list[str]:
    return [name for name, facts in sections.items() if not facts]


@register.filter
def label(name: str) -> str:
    return str(LABELS.get(name, name))


@register.filter
def section_label(name: str) -> str:
    return str(SECTIONS.get(name, name))


@register.filter
def columns(facts: list[dict[str, Any]]) -> list[str]:
    if not facts:
        return []
    return [k for k in facts[0] if k not in HIDDEN and not k.endswith("_link")]


@register.filter
def cell(fact: dict[str, Any], name: str) -> Any:
    return fact.get(name)


@register.filter
def link_of(fact: dict[str, Any], name: str) -> str:
    return str(fact.get(f"{name}_link", ""))
