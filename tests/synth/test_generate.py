"""The generated region: manifest, determinism, identifiers, answer key, feeds' shape and mess."""

from __future__ import annotations

import collections
import csv
import hashlib
import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from jiancha.identifiers import is_valid_resident_id, is_valid_uscc, parse_resident_id
from jiancha.synth import ids
from jiancha.synth.generate import generate
from jiancha.synth.schemes import KINDS
from jiancha.synth.verify import Region, check_identifiers, check_schemes, norm_id, parse_date


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_manifest_lists_every_file_with_rows_and_checksum(tiny_dir: Path, region: Region) -> None:
    on_disk = {str(p.relative_to(tiny_dir)) for p in tiny_dir.rglob("*") if p.is_file()} - {"manifest.json"}
    assert on_disk == set(region.files)
    for path, entry in region.files.items():
        assert _sha(tiny_dir / path) == entry["sha256"], path
        if entry["format"] in ("csv", "csv-gbk", "xlsx", "jsonl"):
            assert len(region.rows(path)) == entry["rows"], path


def test_command_same_seed_same_bytes_in_parallel_too(tiny_dir: Path, tmp_path: Path) -> None:
    """`jiancha synth` with two workers writes the very bytes of the session's one-process run."""
    again = tmp_path / "again"
    call_command(
        "synth", "--scale", "tiny", "--seed", "1", "--out", str(again), "--workers", "2", verbosity=0
    )
    for name in ("manifest.json", "answer_key.json"):
        assert _sha(again / name) == _sha(tiny_dir / name)
    first = {e["path"]: e["sha256"] for e in json.loads((tiny_dir / "manifest.json").read_text())["files"]}
    second = {e["path"]: e["sha256"] for e in json.loads((again / "manifest.json").read_text())["files"]}
    assert first == second


def test_different_seeds_differ(tiny_dir: Path, tmp_path: Path) -> None:
    other = tmp_path / "seed2"
    generate("tiny", 2, other, workers=1)
    first = {e["path"]: e["sha256"] for e in json.loads((tiny_dir / "manifest.json").read_text())["files"]}
    second = {e["path"]: e["sha256"] for e in json.loads((other / "manifest.json").read_text())["files"]}
    assert first.keys() == second.keys()
    differing = [path for path in first if first[path] != second[path]]
    assert len(differing) >= len(first) - 2  # everything but perhaps a file of fixed content


def test_identifiers_valid_unless_listed_and_listed_ones_invalid(region: Region) -> None:
    problems = list(check_identifiers(region))
    assert problems == []
    listed = region.manifest["invalid_identifiers"]
    kinds = {("uscc" if "信用代码" in item["column"] else "id") for item in listed}
    assert kinds == {"id", "uscc"}
    for item in listed:
        assert not (
            is_valid_uscc(item["value"])
            if "信用代码" in item["column"]
            else is_valid_resident_id(item["value"])
        )


def test_every_scheme_kind_is_planted_and_its_rows_show_it(region: Region) -> None:
    assert {s["kind"] for s in region.key["schemes"]} == set(KINDS)
    assert {s["kind"] for s in region.key["lookalikes"]} == set(KINDS)
    for record in region.key["schemes"]:
        assert record["indicators"] and record["rows"] and record["entities"]
    assert list(check_schemes(region)) == []


def test_planted_rows_are_a_small_share_of_big_feeds(region: Region) -> None:
    """At tiny scale each kind is planted at least once; its share of a feed's rows stays small."""
    rows_named = collections.Counter(r["file"] for s in region.key["schemes"] for r in s["rows"])
    for path in (
        "331202/bank/transactions.csv",
        "331202/pension/payments.csv",
        "331202/population/residents.csv",
    ):
        assert rows_named[path] / region.files[path]["rows"] < 0.02, path


def test_identity_key_names_the_person_behind_each_record(region: Region) -> None:
    identities = region.key["identity_key"]["rows"]
    by_row = {(file, row, column): person for file, row, column, person in identities}
    residents = region.rows("331202/population/residents.csv")
    for number in range(2, min(len(residents), 200) + 2):
        assert ("331202/population/residents.csv", number, "姓名") in by_row
    # One person, spelled differently by different departments.
    names: dict[str, set[str]] = collections.defaultdict(set)
    for file, row, column, person in identities:
        if file.endswith(
            ("residents.csv", "recipients.csv", "vehicles.xlsx", "properties.csv", "transactions.csv")
        ):
            names[person].add(str(region.row(file, row)[column]).strip())
    assert sum(1 for spellings in names.values() if len(spellings) > 1) >= 5


def test_resident_ids_carry_region_codes_and_real_dates(region: Region) -> None:
    rows = region.rows("331202/population/residents.csv")
    areas: collections.Counter[str] = collections.Counter()
    for row in rows:
        number = norm_id(row["公民身份号码"])
        if is_valid_resident_id(number):
            parsed = parse_resident_id(number)
            areas[parsed.area_code[:4]] += 1
            assert parsed.birth_date == parse_date(row["出生日期"])
            assert parsed.is_male == (row["性别"] == "男")
    assert areas.most_common(1)[0][0] == "3312"
    assert len(areas) > 3  # residents born elsewhere keep their birthplace's code


def test_same_names_recur(region: Region) -> None:
    """Different people share a name (重名): the same name under different ID numbers."""
    people: dict[str, set[str]] = collections.defaultdict(set)
    for row in region.rows("331202/population/residents.csv") + region.rows(
        "331222/population/residents.csv"
    ):
        people[row["姓名"]].add(norm_id(row["公民身份号码"]))
    assert sum(1 for ids_ in people.values() if len(ids_) >= 2) >= 10


def test_families_are_consistent(region: Region) -> None:
    rows = region.rows("331202/population/residents.csv")
    by_id = {norm_id(r["公民身份号码"]): r for r in rows if r["公民身份号码"]}
    checked = 0
    for me, row in by_id.items():
        spouse = norm_id(row["配偶公民身份号码"])
        partner = by_id.get(spouse, {}).get("配偶公民身份号码", "")
        if is_valid_resident_id(partner) and is_valid_resident_id(me):  # not one of the listed broken IDs
            assert norm_id(by_id[spouse]["配偶公民身份号码"]) == me
            checked += 1
        father = norm_id(row["父亲公民身份号码"])
        if father in by_id:
            assert by_id[father]["性别"] == "男"
            father_born, born = parse_date(by_id[father]["出生日期"]), parse_date(row["出生日期"])
            assert father_born is not None and born is not None and father_born < born
    assert checked > 100


def test_feeds_are_messy_as_real_ones(tiny_dir: Path, region: Region) -> None:
    text = (tiny_dir / "331202/civil/recipients.csv").read_text(encoding="utf-8") + (
        tiny_dir / "331202/hr/roster.xlsx"
    ).name
    assert re.search(
        "[０-９]", (tiny_dir / "331202/population/residents.csv").read_text(encoding="utf-8") + text
    )
    dates = {
        row["救助起始日期"][4] for row in region.rows("331202/civil/recipients.csv") if row["救助起始日期"]
    }
    assert {"年", "/"} <= dates  # several date formats in one file
    assert sum(entry["duplicates"] for entry in region.files.values()) > 0
    assert any(
        len(norm_id(row["权利人证件号"])) == 18 and len(row["权利人证件号"].strip()) == 15
        for row in region.rows("331202/realestate/properties.csv")
    )


def test_company_register_is_gbk_with_valid_usccs(tiny_dir: Path) -> None:
    raw = (tiny_dir / "331202/registry/companies.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    rows = list(csv.DictReader(raw.decode("gbk").splitlines()))
    assert sum(is_valid_uscc(row["统一社会信用代码"]) for row in rows) >= len(rows) - 3


def test_ocds_releases_match_awards(region: Region) -> None:
    releases = region.rows("331202/procurement/ocds_releases.jsonl")
    awards = region.rows("331202/procurement/awards.csv")
    assert len(releases) == len({a["项目编号"] for a in awards})
    for release in releases[:50]:
        assert release["ocid"].startswith("ocds-jc331202-")
        assert release["awards"][0]["suppliers"][0]["id"]
        assert {"buyer"} <= {role for party in release["parties"] for role in party["roles"]}


def test_identifier_generators_round_trip() -> None:
    import datetime as dt
    import random

    rng = random.Random(7)
    for sequence in range(0, 1000, 37):
        number = ids.resident_id("331202", dt.date(1980, 2, 29), sequence)
        assert is_valid_resident_id(number)
        assert is_valid_resident_id(ids.legacy_15(number))
        assert not is_valid_resident_id(ids.broken_resident_id(number, rng)[0])
    for kind in ids.USCC_PREFIX:
        for serial in (1, 999, 12_345_678):
            code = ids.uscc(kind, "331202", serial)
            assert is_valid_uscc(code), code
            assert not is_valid_uscc(ids.broken_uscc(code, rng)[0])


def test_identity_key_as_its_own_file(region: Region, tmp_path: Path) -> None:
    """At county and province scale the identity key is streamed to identity_key.csv."""
    out = tmp_path / "streamed"
    generate("tiny", 1, out, workers=1, identity_inline=False, first_counties=1)
    key = json.loads((out / "answer_key.json").read_text())
    assert key["identity_key"]["file"] == "identity_key.csv"
    manifest = {e["path"]: e for e in json.loads((out / "manifest.json").read_text())["files"]}
    lines = (out / "identity_key.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "file,row,column,person"
    assert manifest["identity_key.csv"]["rows"] == len(lines) - 1
    assert manifest["identity_key.csv"]["sha256"] == _sha(out / "identity_key.csv")
    inline = [row for row in region.key["identity_key"]["rows"] if row[0].startswith("331202/")]
    assert [line.split(",") for line in lines[1:]] == [[f, str(r), c, p] for f, r, c, p in inline]
    # The first county's feeds are the same bytes as in the whole region.
    for path, entry in manifest.items():
        if path.startswith("331202/"):
            assert entry["sha256"] == region.files[path]["sha256"], path


def _kin(residents: list[dict[str, str]]) -> dict[str, set[str]]:
    """Each resident's relatives as DIBAO_INELIGIBLE reads them from the family register: spouse,
    parents, children, siblings, the spouse's parents and siblings, children's and siblings' spouses."""
    spouse: dict[str, str] = {}
    parents: dict[str, set[str]] = collections.defaultdict(set)
    children: dict[str, set[str]] = collections.defaultdict(set)
    for row in residents:
        me = norm_id(row["公民身份号码"])
        if norm_id(row["配偶公民身份号码"]):
            spouse[me] = norm_id(row["配偶公民身份号码"])
        for column in ("父亲公民身份号码", "母亲公民身份号码"):
            if norm_id(row[column]):
                parents[me].add(norm_id(row[column]))
                children[norm_id(row[column])].add(me)

    def siblings(me: str) -> set[str]:
        return {c for p in parents.get(me, ()) for c in children[p]} - {me}

    kin = {}
    for me in {norm_id(r["公民身份号码"]) for r in residents}:
        mine = {spouse.get(me, "")} | parents.get(me, set()) | children.get(me, set()) | siblings(me)
        if me in spouse:
            mine |= parents.get(spouse[me], set()) | siblings(spouse[me])
        mine |= {spouse.get(k, "") for k in children.get(me, set()) | siblings(me)}
        kin[me] = mine - {"", me}
    return kin


def test_committee_members_relatives_on_the_roll_are_registered_separately(region: Region) -> None:
    """近亲属备案日期: filled for every village/community committee member's relative on the 低保 roll
    (单独登记备案), empty for the planted 优亲厚友 recipients; one registered relative is a look-alike."""
    planted = {
        e["id_number"]
        for s in region.key["schemes"]
        if s["kind"] == "DIBAO_INELIGIBLE" and s["facts"]["reason"] == "relative"
        for e in s["entities"]
        if e["role"] == "recipient"
    }
    lookalikes = [s for s in region.key["lookalikes"] if "单独登记备案" in s["why_innocent"]]
    assert planted and lookalikes
    filed = unfiled = 0
    for county in ("331202", "331222"):
        kin = _kin(region.rows(f"{county}/population/residents.csv"))
        committee = {
            norm_id(r["身份证号"])
            for r in region.rows(f"{county}/hr/roster.xlsx")
            if int(float(r["监察对象类别"] or 0)) == 5
        }
        for row in region.rows(f"{county}/civil/recipients.csv"):
            assert "近亲属备案日期" in row
            person = norm_id(row["身份证号"])
            if person in planted:
                assert not row["近亲属备案日期"].strip(), row
                unfiled += 1
            elif kin.get(person, set()) & committee:
                registered, start = parse_date(row["近亲属备案日期"]), parse_date(row["救助起始日期"])
                assert registered is not None and start is not None and registered < start, row
                filed += 1
    assert filed and unfiled
    for lookalike in lookalikes:
        (row,) = region.named(lookalike, "civil/recipients.csv")
        assert parse_date(row["近亲属备案日期"]) is not None


def test_declarants_report_their_childrens_spouses_businesses(region: Region) -> None:
    """领导干部报告个人有关事项规定: 配偶、子女及其配偶经商办企业的情况. Only the planted 瞒报 leave
    a company out; a child's spouse's live company is in every other report."""
    concealing = {
        e["id_number"]
        for s in region.key["schemes"]
        if s["kind"] == "DECL_CONCEALED"
        for e in s["entities"]
        if e["role"] == "declarant"
    }
    checked = 0
    cutoff = parse_date("2024-12-31")
    assert cutoff is not None
    for county in ("331202", "331222"):
        residents = region.rows(f"{county}/population/residents.csv")
        spouse = {norm_id(r["公民身份号码"]): norm_id(r["配偶公民身份号码"]) for r in residents}
        children: dict[str, set[str]] = collections.defaultdict(set)
        for r in residents:
            for column in ("父亲公民身份号码", "母亲公民身份号码"):
                children[norm_id(r[column])].add(norm_id(r["公民身份号码"]))
        died = {
            norm_id(r["公民身份号码"])
            for r in region.rows(f"{county}/population/deaths.csv")
            if (parse_date(r["死亡日期"]) or cutoff) <= cutoff
        }
        live = {
            r["统一社会信用代码"].strip()
            for r in region.rows(f"{county}/registry/companies.csv")
            if r["登记状态"].strip() == "存续" and (parse_date(r["成立日期"]) or cutoff) <= cutoff
        }
        held: dict[str, set[str]] = collections.defaultdict(set)
        for r in region.rows(f"{county}/registry/shareholders.csv"):
            if r["统一社会信用代码"].strip() in live and norm_id(r["证件号码"]):
                held[norm_id(r["证件号码"])].add(r["企业名称"].replace(" ", ""))
        reports: dict[str, str] = collections.defaultdict(str)
        for r in region.rows(f"{county}/declarations/personal_matters.csv"):
            reports[norm_id(r["申报人身份证号"])] += r["事项内容"].replace(" ", "") + "|"
        for declarant, report in reports.items():
            if declarant in concealing:
                continue
            for child in children.get(declarant, set()):
                in_law = spouse.get(child, "")
                if not in_law or in_law in died:
                    continue
                for company in held.get(in_law, set()):
                    assert company in report, (declarant, company)
                    checked += 1
    assert checked
