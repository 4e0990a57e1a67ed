"""360° profiles (全景画像) of a person or a company, every fact with its source feed and row.

Records join on valid resident IDs and USCCs. Once entity resolution has run (jiancha.resolve writes
the table IdentityLink), a person's profile also shows the names each department wrote them under and
the records without an ID number that resolution attributed to them; before, those sections are empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from jiancha.identifiers import (
    IdentifierError,
    normalize_resident_id,
    normalize_uscc,
    parse_resident_id,
    validate_uscc,
)

from .reader import rows

PROVENANCE = "_feed AS feed, _file AS file, _row AS row"

Fact = dict[str, Any]


class ProfileError(ValueError):
    pass


class _Profile:
    """Sections are the list fields, in declaration order."""

    def sections(self) -> list[str]:
        return [f.name for f in fields(self) if f.type == "list[Fact]"]  # type: ignore[arg-type]

    @property
    def found(self) -> bool:
        return any(getattr(self, name) for name in self.sections())


@dataclass
class PersonProfile(_Profile):
    id_number: str
    identity: list[Fact] = field(default_factory=list)
    death: list[Fact] = field(default_factory=list)
    positions: list[Fact] = field(default_factory=list)
    family: list[Fact] = field(default_factory=list)
    companies: list[Fact] = field(default_factory=list)
    properties: list[Fact] = field(default_factory=list)
    vehicles: list[Fact] = field(default_factory=list)
    accounts: list[Fact] = field(default_factory=list)
    payments: list[Fact] = field(default_factory=list)
    procurement: list[Fact] = field(default_factory=list)
    benefits: list[Fact] = field(default_factory=list)
    payroll: list[Fact] = field(default_factory=list)
    social_insurance: list[Fact] = field(default_factory=list)
    declarations: list[Fact] = field(default_factory=list)
    aliases: list[Fact] = field(default_factory=list)
    resolved: list[Fact] = field(default_factory=list)


@dataclass
class CompanyProfile(_Profile):
    usc_code: str
    identity: list[Fact] = field(default_factory=list)
    owners: list[Fact] = field(default_factory=list)
    officers: list[Fact] = field(default_factory=list)
    investments: list[Fact] = field(default_factory=list)
    tax: list[Fact] = field(default_factory=list)
    bids: list[Fact] = field(default_factory=list)
    awards: list[Fact] = field(default_factory=list)
    payments: list[Fact] = field(default_factory=list)
    employees: list[Fact] = field(default_factory=list)


def valid_resident_id(raw: str) -> str:
    try:
        return parse_resident_id(raw).number
    except IdentifierError as error:
        raise ProfileError(error.message) from None


def person_profile(id_number: str) -> PersonProfile:
    x = valid_resident_id(id_number)
    p = PersonProfile(x)
    p.identity = rows(
        f"SELECT name, gender, birthDate, address, phone, householdId, divisionCode, status, {PROVENANCE} "
        "FROM Person WHERE idNumber = ? ORDER BY _imported_at DESC, _row",
        [x],
    )
    p.death = rows(
        f"SELECT deathDate, registrationDate, authority, {PROVENANCE} FROM Death WHERE idNumber = ?", [x]
    )
    p.positions = rows(
        f"SELECT employerName, employer, role, rank, staffType, art15Category, isLeader, partyMember, startDate, endDate, "
        f"{PROVENANCE} FROM Employment WHERE employee = ? ORDER BY startDate DESC NULLS LAST",
        [x],
    )
    p.family = _family(x)
    p.companies = rows(
        "SELECT 'shareholder' AS link, o.asset AS uscCode, o.assetName AS name, o.percentage, o.sharesValue, "
        "o._feed AS feed, o._file AS file, o._row AS row FROM Ownership o WHERE o.owner = ? "
        "UNION ALL SELECT 'legal_representative', c.uscCode, c.name, NULL, NULL, c._feed, c._file, c._row "
        "FROM Company c WHERE c.legalRepresentative = ? "
        "UNION ALL SELECT 'officer: ' || coalesce(d.role, ''), d.organization, d.organizationName, NULL, NULL, d._feed, d._file, d._row "
        "FROM Directorship d WHERE d.director = ? ORDER BY 2, 1",
        [x, x, x],
    )
    # Two lookups rather than "owner = ? OR coOwner = ?", so that each uses its column's index.
    p.properties = rows(
        "WITH co AS MATERIALIZED (SELECT * FROM RealEstate WHERE coOwner = ?) "
        "SELECT certificateNumber, address, area, use, registrationDate, cancelledDate, holding, feed, file, row FROM ("
        f"SELECT *, 'owner' AS holding, {PROVENANCE} FROM RealEstate WHERE owner = ? "
        f"UNION ALL SELECT *, 'co-owner', {PROVENANCE} FROM co WHERE owner IS DISTINCT FROM ?"
        ") ORDER BY registrationDate",
        [x, x, x],
    )
    p.vehicles = rows(
        f"SELECT registrationNumber, model, type, use, registrationDate, status, {PROVENANCE} FROM Vehicle WHERE owner = ?",
        [x],
    )
    # A lookup with a second condition would not use the column's index: the lookups are
    # materialised first (here and below), then filtered.
    p.accounts = rows(
        "WITH paid AS MATERIALIZED (SELECT payerAccount AS account, _feed, _file, _row FROM Payment WHERE payerIdNumber = ?), "
        "received AS MATERIALIZED (SELECT beneficiaryAccount AS account, _feed, _file, _row FROM Payment "
        "WHERE beneficiaryIdNumber = ?) "
        "SELECT account, count(*) AS transactions, min(_feed) AS feed, min(_file) AS file, min(_row) AS row FROM ("
        "SELECT * FROM paid WHERE account IS NOT NULL UNION ALL SELECT * FROM received WHERE account IS NOT NULL"
        ") GROUP BY account ORDER BY transactions DESC",
        [x, x],
    )
    p.payments = rows(
        "SELECT direction, counterpart, count(*) AS transactions, sum(amount) AS total, min(date) AS first, max(date) AS last, "
        "min(_feed) AS feed, min(_file) AS file, min(_row) AS row FROM ("
        "SELECT 'out' AS direction, beneficiaryName AS counterpart, amount, date, _feed, _file, _row FROM Payment WHERE payerIdNumber = ? "
        "UNION ALL SELECT 'in', payerName, amount, date, _feed, _file, _row FROM Payment WHERE beneficiaryIdNumber = ?"
        ") GROUP BY ALL ORDER BY total DESC LIMIT 20",
        [x, x],
    )
    p.procurement = _procurement(x)
    p.benefits = rows(
        "SELECT scheme, count(*) AS payments, sum(amount) AS total, min(date) AS first, max(date) AS last, "
        "min(_feed) AS feed, min(_file) AS file, min(_row) AS row FROM Benefit WHERE recipient = ? GROUP BY scheme ORDER BY scheme",
        [x],
    )
    p.payroll = rows(
        "SELECT employerName, count(*) AS months, sum(amount) AS total, min(period) AS first, max(period) AS last, "
        "min(_feed) AS feed, min(_file) AS file, min(_row) AS row FROM Payroll WHERE employee = ? GROUP BY employerName",
        [x],
    )
    p.social_insurance = rows(
        "SELECT employerName, employer, count(*) AS months, min(period) AS first, max(period) AS last, "
        "min(_feed) AS feed, min(_file) AS file, min(_row) AS row FROM SocialInsurance WHERE person = ? GROUP BY ALL",
        [x],
    )
    p.declarations = rows(
        f"SELECT year, itemType, relativeName, relationship, details, area, amount, {PROVENANCE} "
        "FROM Declaration WHERE declarant = ? ORDER BY year, itemType",
        [x],
    )
    # From entity resolution: how departments spell this person, and their records without an ID.
    p.aliases = rows(
        "SELECT name, count(*) AS records, count(DISTINCT recordFeed) AS departments, "
        "min(recordFeed) AS feed, min(recordFile) AS file, min(recordRow) AS row FROM IdentityLink "
        "WHERE kind = 'person' AND clusterId = ? AND name IS NOT NULL GROUP BY name "
        "ORDER BY records DESC",
        [x],
    )
    if len(p.aliases) < 2:
        p.aliases = []  # one spelling everywhere: nothing to show
    p.resolved = rows(
        "SELECT recordTable AS kind, name, linkedBy AS link, recordFeed AS feed, recordFile AS file, recordRow AS row "
        "FROM IdentityLink WHERE kind = 'person' AND clusterId = ? AND idNumber IS NULL ORDER BY recordFeed, recordRow LIMIT 200",
        [x],
    )
    return p


def _procurement(x: str) -> list[Fact]:
    """Bids and awards of the companies the person owns, represents or directs.

    One lookup per company (each on its column's index) rather than a join, which would read the
    whole Bid and Award tables.
    """
    mine = rows(
        "SELECT asset AS u FROM Ownership WHERE owner = ? UNION SELECT uscCode FROM Company WHERE legalRepresentative = ? "
        "UNION SELECT organization FROM Directorship WHERE director = ?",
        [x, x, x],
    )
    found: list[Fact] = []
    for company in sorted({str(m["u"]) for m in mine if m["u"] is not None}):
        found += rows(
            "SELECT 'bid' AS kind, tenderId, bidderName AS company, amount, CAST(submitted AS DATE) AS date, "
            f"{PROVENANCE} FROM Bid WHERE bidder = ? "
            "UNION ALL SELECT 'award', tenderId, supplierName, amount, date, _feed, _file, _row FROM Award WHERE supplier = ?",
            [company, company],
        )
    # As ORDER BY date: undated last.
    return sorted(found, key=lambda fact: (fact["date"] is None, fact["date"] or 0))


def _family(x: str) -> list[Fact]:
    """Relatives as recorded for the person, and those who recorded the person as a relative.

    Names are looked up per relative rather than by joining Person, whose whole table a join would
    read; each lookup uses the index on the ID number.
    """
    links = rows(
        "WITH recorded AS MATERIALIZED (SELECT * FROM Family WHERE person = ?), "
        "recorders AS MATERIALIZED (SELECT * FROM Family WHERE relative = ?) "
        "SELECT relationship, relative AS idNumber, 'recorded' AS direction, _feed AS feed, _file AS file, _row AS row "
        "FROM recorded GROUP BY ALL "
        "UNION ALL "
        "SELECT CASE relationship WHEN 'spouse' THEN 'spouse' ELSE 'child' END, person, 'inferred', _feed, _file, _row "
        "FROM recorders WHERE person NOT IN (SELECT relative FROM recorded) GROUP BY ALL "
        "ORDER BY 1, 2",
        [x, x],
    )
    names: dict[object, object] = {}
    for number in {link["idNumber"] for link in links if link["idNumber"] is not None}:
        found = rows("SELECT any_value(name) AS name FROM Person WHERE idNumber = ?", [number])
        names[number] = found[0]["name"] if found else None
    return [
        {
            "relationship": link["relationship"],
            "idNumber": link["idNumber"],
            "name": names.get(link["idNumber"]),
            "direction": link["direction"],
            "feed": link["feed"],
            "file": link["file"],
            "row": link["row"],
        }
        for link in links
    ]


def company_profile(usc_code: str) -> CompanyProfile:
    try:
        u = validate_uscc(usc_code)
    except IdentifierError as error:
        raise ProfileError(error.message) from None
    c = CompanyProfile(u)
    c.identity = rows(
        f"SELECT name, legalForm, legalRepresentativeName, legalRepresentative, incorporationDate, capital, sector, address, phone, "
        f"employees, status, {PROVENANCE} FROM Company WHERE uscCode = ?",
        [u],
    )
    c.owners = rows(
        f"SELECT ownerName, ownerType, owner, ownerCompany, percentage, sharesValue, startDate, {PROVENANCE} "
        "FROM Ownership WHERE asset = ? ORDER BY percentage DESC NULLS LAST",
        [u],
    )
    c.officers = rows(
        f"SELECT directorName, director, role, {PROVENANCE} FROM Directorship WHERE organization = ?", [u]
    )
    c.investments = rows(
        f"SELECT asset, assetName, percentage, sharesValue, {PROVENANCE} FROM Ownership WHERE ownerCompany = ?",
        [u],
    )
    c.tax = rows(
        "SELECT period, sum(amount) AS amount, min(_feed) AS feed, min(_file) AS file, min(_row) AS row FROM TaxPayment WHERE taxpayer = ? GROUP BY period ORDER BY period",
        [u],
    )
    c.bids = rows(
        "SELECT b.tenderId, t.title, t.buyerName, b.amount, b.disqualified, b.submitted, b._feed AS feed, b._file AS file, b._row AS row "
        "FROM Bid b LEFT JOIN (SELECT DISTINCT tenderId, title, buyerName FROM Tender) t USING (tenderId) WHERE b.bidder = ? ORDER BY b.submitted",
        [u],
    )
    c.awards = rows(
        f"SELECT tenderId, amount, date, {PROVENANCE} FROM Award WHERE supplier = ? ORDER BY date", [u]
    )
    c.payments = rows(
        "SELECT direction, counterpart, count(*) AS transactions, sum(amount) AS total, min(_feed) AS feed, min(_file) AS file, "
        "min(_row) AS row FROM (SELECT 'out' AS direction, beneficiaryName AS counterpart, amount, _feed, _file, _row FROM Payment "
        "WHERE payerIdNumber = ? UNION ALL SELECT 'in', payerName, amount, _feed, _file, _row FROM Payment WHERE beneficiaryIdNumber = ?) "
        "GROUP BY ALL ORDER BY total DESC LIMIT 20",
        [u, u],
    )
    c.employees = rows(
        "SELECT period, count(DISTINCT person) AS insured, min(_feed) AS feed, min(_file) AS file, min(_row) AS row "
        "FROM SocialInsurance WHERE employer = ? GROUP BY period ORDER BY period DESC LIMIT 12",
        [u],
    )
    return c


def search_people(name: str, birth_date: str | None = None, limit: int = 50) -> list[Fact]:
    """Candidates for a name (exact, or with a birth date), with enough to tell namesakes apart."""
    text = name.strip()
    if not text:
        raise ProfileError("a name is required")
    query = (
        "SELECT idNumber, any_value(name) AS name, any_value(gender) AS gender, any_value(birthDate) AS birthDate, "
        "any_value(address) AS address, any_value(divisionCode) AS divisionCode, "
        "(SELECT any_value(employerName || ' ' || role) FROM Employment e WHERE e.employee = p.idNumber) AS position, "
        "min(_feed) AS feed, min(_file) AS file, min(_row) AS row "
        "FROM Person p WHERE name = ?"
    )
    parameters: list[object] = [text]
    if birth_date:
        query += " AND birthDate = CAST(? AS DATE)"
        parameters.append(birth_date)
    query += f" GROUP BY idNumber ORDER BY birthDate LIMIT {int(limit)}"
    return rows(query, parameters)


def search_companies(text: str, limit: int = 50) -> list[Fact]:
    term = text.strip()
    if not term:
        raise ProfileError("a name or USCC is required")
    code = normalize_uscc(term)
    return rows(
        "SELECT uscCode, any_value(name) AS name, any_value(legalRepresentativeName) AS legalRepresentativeName, "
        "any_value(address) AS address, any_value(status) AS status, min(_feed) AS feed, min(_file) AS file, min(_row) AS row "
        f"FROM Company WHERE uscCode = ? OR contains(name, ?) GROUP BY uscCode ORDER BY name LIMIT {int(limit)}",
        [code, term],
    )


def normalise_subject(kind: str, key: str) -> str:
    return normalize_resident_id(key) if kind == "person" else normalize_uscc(key)
