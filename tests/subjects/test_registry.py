"""The registry end to end on the tiny synthetic region: rules → proposed changes → confirmed,
effective-dated entries → coverage against the answer key → a later HR import's dated changes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from jiancha.identifiers import normalize_resident_id
from jiancha.ledger.models import Event
from jiancha.orgs.models import Unit
from jiancha.pool.importer import import_file
from jiancha.subjects import actions, services
from jiancha.subjects.identity import person_key
from jiancha.subjects.models import Change, ChangeKind, ChangeStatus, Entry
from jiancha.subjects.views import explain
from jiancha.synth.verify import Region

from .conftest import ON
from .roster import (
    COUNTY,
    LATER,
    LEAVE_DAY,
    MERGED_FROM,
    MERGED_INTO,
    MERGER_DAY,
    NEWCOMER,
    PROMOTION_DAY,
    ROSTER,
    SECONDED_DAY,
    SOE,
    SUPERVISOR,
    write_later_roster,
)

pytestmark = pytest.mark.django_db

ALL_STAFF_TYPES = {"party_organ", "peoples_congress", "government_department", "supervision_commission",
                   "court", "procuratorate", "cppcc", "democratic_party", "village_committee", "residents_committee"}  # fmt: skip


def confirm_roster(user: Any) -> list[Change]:
    ids = Change.objects.filter(status=ChangeStatus.PENDING, source="roster").exclude(kind=ChangeKind.REVIEW)
    return actions.decide(user, list(ids.values_list("pk", flat=True)), confirm=True, note="initial load")


def test_roster_positions_are_classified_as_the_organisation_department_does(users: dict[str, Any]) -> None:
    run = actions.refresh(actor="test", on=ON)
    joins = Change.objects.filter(kind=ChangeKind.JOIN, source="roster")
    assert run.proposed == Change.objects.count() > 400
    assert not Change.objects.filter(kind=ChangeKind.REVIEW).exists()
    for change in joins:
        # The rules reach the category the roster's own 监察对象类别 column (the synthetic truth) gives.
        assert change.category == change.facts["roster_category"], change.facts
        assert (
            change.facts["unit"]
            and change.facts["file"].endswith("hr/roster.xlsx")
            and change.facts["row"] >= 2
        )
    village = joins.filter(rule_code="VILLAGE-FUNDS").first()
    assert village is not None and village.category == 5 and "报账" in village.facts["role"]
    assert village.facts["unit"] in explain(village)["text"]
    assert Event.objects.filter(kind="subjects.refreshed").count() == 1


def test_coverage_and_its_gap_match_the_answer_key(
    users: dict[str, Any], pool_region: Path, answer_key: dict[str, Any]
) -> None:
    actions.refresh(actor="test", on=ON)
    confirm_roster(users["root"])
    result = services.coverage(None, ON)
    off_roster = {post["id_number"]: post for post in answer_key["off_roster_posts"]}
    assert off_roster, "the generator plants posts left off the roster"
    gap = {holder.person_key: holder for holder in result.gap}
    # Every post the roster leaves out is found through payroll and social insurance, and is a gap.
    assert set(off_roster) <= set(gap)
    for key, post in off_roster.items():
        assert (gap[key].category, gap[key].unit_name, gap[key].source) == (
            post["category"],
            post["unit_name"],
            "payroll",
        )
    # Beyond them, only people whose roster row the import rejected for an invalid identifier (ID
    # number or unit USCC; the manifest lists them) in units where every post is in scope: payroll
    # and social insurance find them too.
    region = Region(pool_region)
    units = dict(Unit.objects.values_list("name", "unit_type"))
    unreadable = [
        row for row in region.unreadable_roster_rows()
        if int(row["监察对象类别"] or 0) and units.get(row["工作单位"]) in ALL_STAFF_TYPES
    ]  # fmt: skip
    extra = [h for key, h in gap.items() if key not in off_roster]
    assert sorted(h.unit_name for h in extra) == sorted(row["工作单位"] for row in unreadable)
    # Found = current in-scope persons of the readable roster rows + the gap; covered = the former.
    broken = {(i["file"], i["row"]) for i in region.manifest["invalid_identifiers"]}
    current = {
        normalize_resident_id(str(row["身份证号"]))
        for path in sorted(p for p in region.files if p.endswith("hr/roster.xlsx"))
        for number, row in enumerate(region.rows(path), start=2)
        if (path, number) not in broken and int(row["监察对象类别"] or 0) and not row["离任时间"]
    }
    assert result.total.found == len(current) + len(gap)
    assert result.total.covered == len(current)
    assert result.total.rate is not None and result.total.rate < 1
    by_category = {share.key: share for share in result.by_category}
    assert by_category["2"].found - by_category["2"].covered >= len(off_roster)
    assert by_category["4"].rate == 1.0
    assert (
        sum(s.found for s in result.by_region)
        == sum(s.found for s in result.by_unit_type)
        == result.total.found
    )


def test_entries_are_effective_dated_and_read_as_of_any_date(users: dict[str, Any]) -> None:
    actions.refresh(actor="test", on=ON)
    confirm_roster(users["root"])
    entry = Entry.objects.filter(
        valid_from__gt=dt.date(2016, 1, 1), valid_from__lt=dt.date(2025, 1, 1)
    ).first()
    assert entry is not None and entry.valid_to is None
    assert services.is_supervised(entry.person_key, entry.valid_from - dt.timedelta(days=1)) is None
    assert services.is_supervised(entry.person_key, entry.valid_from) == entry
    assert services.unit_of(entry.person_key, ON) == entry.unit is not None
    # A transfer in the first roster (调动) is an ended post and a new one: the person is in the
    # registry once, from the new post's start.
    assert services.entries_on(ON).count() == Entry.objects.filter(valid_to=None).count()
    before = services.entries_on(dt.date(2010, 1, 1)).count()
    assert 0 < before < services.entries_on(ON).count()
    result = services.coverage(None, ON)
    assert result.base_size == services.entries_on(dt.date(2025, 1, 1)).count()
    assert result.scope_ratio is not None and result.scope_ratio >= 1


def _later_import(region: Path, tmp_path: Path) -> dict[str, str]:
    organ = Unit.objects.filter(
        unit_type="party_organ", division__level=4, division__code__startswith=COUNTY
    ).first()
    assert organ is not None
    changed = write_later_roster(region, tmp_path / "roster.xlsx", organ.name)
    import_file("roster", tmp_path / "roster.xlsx", imported_by="test", display_name=ROSTER)
    return {person_key(k) or k: v for k, v in changed.items()}


def test_a_reorganisation_in_a_later_hr_import_shows_as_dated_changes_awaiting_confirmation(
    users: dict[str, Any], pool_region: Path, tmp_path: Path
) -> None:
    actions.refresh(actor="test", on=ON)
    confirm_roster(users["root"])
    changed = _later_import(pool_region, tmp_path)
    run = actions.refresh(actor="test", on=LATER)
    proposed = {c.person_key: c for c in Change.objects.filter(refresh=run)}
    transfers = [k for k, v in changed.items() if v == "transfer"]
    assert transfers
    for key in transfers:
        change = proposed[key]
        assert (change.kind, change.effective, change.unit_name) == (
            ChangeKind.TRANSFER,
            MERGER_DAY,
            MERGED_INTO,
        )
        assert change.status == ChangeStatus.PENDING and change.entry is not None
    (left,) = [k for k, v in changed.items() if v == "leave"]
    assert (proposed[left].kind, proposed[left].effective) == (ChangeKind.LEAVE, LEAVE_DAY)
    # Left off the roster but still paid and insured by the village: still found, no leave proposed.
    (dropped,) = [k for k, v in changed.items() if v == "dropped"]
    assert dropped not in proposed
    (joined,) = [k for k, v in changed.items() if v == "join"]
    assert (proposed[joined].kind, proposed[joined].effective, proposed[joined].category) == (
        ChangeKind.JOIN, PROMOTION_DAY, 4)  # fmt: skip
    assert proposed[NEWCOMER].kind == ChangeKind.REVIEW and proposed[NEWCOMER].rule_code == "UNCLEAR"
    disagreed = next(k for k, v in changed.items() if v == "review" and k != NEWCOMER)
    assert proposed[disagreed].kind == ChangeKind.REVIEW and proposed[disagreed].facts["disagreement"]
    (seconded,) = [k for k, v in changed.items() if v == "category"]
    assert (proposed[seconded].kind, proposed[seconded].effective) == (ChangeKind.CATEGORY, SECONDED_DAY)
    assert (proposed[seconded].category_before, proposed[seconded].category) == (1, 3)
    assert proposed[seconded].rule_code == "SOE-MANAGER" and proposed[seconded].unit_name == SOE
    assert run.period == "2026-06"
    # Nothing changes in the registry until a person confirms.
    assert services.is_supervised(left, LATER) is not None
    assert services.unit_of(transfers[0], LATER).name == MERGED_FROM  # type: ignore[union-attr]

    pending = Change.objects.filter(refresh=run).exclude(kind=ChangeKind.REVIEW)
    actions.decide(users["root"], list(pending.values_list("pk", flat=True)), confirm=True)
    assert services.unit_of(transfers[0], MERGER_DAY - dt.timedelta(days=1)).name == MERGED_FROM  # type: ignore[union-attr]
    assert services.unit_of(transfers[0], MERGER_DAY).name == MERGED_INTO  # type: ignore[union-attr]
    assert services.is_supervised(left, LEAVE_DAY - dt.timedelta(days=1)) is not None
    assert services.is_supervised(left, LEAVE_DAY) is None
    assert services.is_supervised(dropped, LATER) is not None
    assert Entry.objects.filter(person_key=left).exists()  # a leave closes a period; nothing is deleted
    assert services.is_supervised(seconded, SECONDED_DAY - dt.timedelta(days=1)).category == 1  # type: ignore[union-attr]
    assert services.is_supervised(seconded, SECONDED_DAY).category == 3  # type: ignore[union-attr]
    assert services.units_of([seconded, left], LATER) == {seconded: services.unit_of(seconded, LATER)}
    promoted = services.is_supervised(joined, PROMOTION_DAY)
    assert promoted is not None and promoted.category == 4
    assert services.is_supervised(joined, PROMOTION_DAY - dt.timedelta(days=1)) is None
    assert Event.objects.filter(kind="subjects.change.confirmed").count() >= len(transfers) + 2

    # Unclear cases: a person decides, with the category; without one the decision is refused.
    review = proposed[NEWCOMER]
    with pytest.raises(actions.SubjectsRefused, match="choose the category"):
        actions.decide(users["root"], [review.pk], confirm=True)
    actions.decide(users["root"], [review.pk], confirm=True, category=6, note="国有参股, 经营国有资产")
    entry = services.is_supervised(NEWCOMER, LATER)
    assert entry is not None and entry.category == 6 and entry.valid_from == dt.date(2026, 2, 1)
    actions.decide(
        users["root"], [proposed[disagreed].pk], confirm=False, note="the roster's column is wrong"
    )
    assert Change.objects.get(pk=proposed[disagreed].pk).status == ChangeStatus.REJECTED
    assert services.is_supervised(disagreed, LATER).category == 1  # type: ignore[union-attr]

    # A decided case is not proposed again while its facts stay the same.
    assert actions.refresh(actor="test", on=LATER).proposed == 0

    # Staffing: the township with the new 纪委书记 counts one full-time supervisor.
    rows = {row.township.code[:9]: row for row in services.staffing(None, LATER)}
    with_one = [row for row in rows.values() if row.supervisors]
    assert len(with_one) == 1 and with_one[0].supervisors == 1
    assert SUPERVISOR not in {h.person_key for h in services.coverage(None, LATER).gap}


def test_a_second_refresh_proposes_nothing_twice_and_drops_nothing(users: dict[str, Any]) -> None:
    actions.refresh(actor="test", on=ON)
    first = Change.objects.count()
    again = actions.refresh(actor="test", on=ON)
    assert again.proposed == 0 and Change.objects.count() == first
    assert not actions.refresh_due(ON)
    assert actions.refresh_due(ON + dt.timedelta(days=31))


def test_staffing_lists_every_township_short_without_supervisors(users: dict[str, Any]) -> None:
    rows = services.staffing(None, ON)
    assert rows and all(row.supervisors == 0 and row.shortfall == row.needed > 0 for row in rows)
    town = rows[0]
    assert town.needed == max(-(-town.villages // 5), -(-town.population // 5000))
    scoped = services.staffing(users["township_division"], ON)
    assert [row.township for row in scoped] == [users["township_division"]]


def test_rights_and_scope_are_enforced(users: dict[str, Any]) -> None:
    actions.refresh(actor="test", on=ON)
    change = Change.objects.filter(division__code__startswith=COUNTY).first()
    assert change is not None
    with pytest.raises(actions.SubjectsRefused, match="needs the data analysis right") as refused:
        actions.decide(users["intake"], [change.pk], confirm=True)
    assert refused.value.status == 403
    outside = (
        Change.objects.exclude(division__code__startswith=users["township_division"].code[:9])
        .exclude(division=None)
        .first()
    )
    assert outside is not None
    with pytest.raises(actions.SubjectsRefused, match="outside your area") as refused:
        actions.decide(users["township"], [outside.pk], confirm=True)
    assert refused.value.status == 403
    with pytest.raises(actions.SubjectsRefused, match="the category must be"):
        actions.decide(users["root"], [change.pk], confirm=True, category=9)
    with pytest.raises(actions.SubjectsRefused, match="unknown change"):
        actions.decide(users["root"], [999_999], confirm=True)
    actions.decide(users["root"], [change.pk], confirm=False)
    with pytest.raises(actions.SubjectsRefused, match="already rejected"):
        actions.decide(users["root"], [change.pk], confirm=True)
    assert not Entry.objects.exists()


def test_a_category_is_chosen_only_for_unclear_cases(users: dict[str, Any]) -> None:
    actions.refresh(actor="test", on=ON)
    joins = list(Change.objects.filter(kind=ChangeKind.JOIN, status=ChangeStatus.PENDING)[:3])
    with pytest.raises(actions.SubjectsRefused, match="not an unclear case"):
        actions.decide(users["root"], [c.pk for c in joins], confirm=True, category=0)
    assert not Entry.objects.exists()
    assert all(c.status == ChangeStatus.PENDING for c in Change.objects.filter(pk__in=[c.pk for c in joins]))


def test_a_stale_change_is_refused_and_no_person_gets_two_open_entries(users: dict[str, Any]) -> None:
    actions.refresh(actor="test", on=ON)
    join = Change.objects.filter(kind=ChangeKind.JOIN, status=ChangeStatus.PENDING).first()
    assert join is not None
    # The same person proposed to join again (as after a move while the first join was pending).
    duplicate = Change.objects.get(pk=join.pk)
    duplicate.pk = None
    duplicate.effective = join.effective + dt.timedelta(days=30)
    duplicate.save()
    actions.decide(users["root"], [join.pk], confirm=True)
    with pytest.raises(actions.SubjectsRefused, match="out of date"):
        actions.decide(users["root"], [duplicate.pk], confirm=True)
    assert Entry.objects.filter(person_key=join.person_key, valid_to=None).count() == 1
    # Both in one batch: the second is refused too, and nothing of the batch is applied.
    again = Change.objects.get(pk=duplicate.pk)
    again.pk = None
    again.save()
    other = Change.objects.filter(kind=ChangeKind.JOIN, status=ChangeStatus.PENDING).exclude(
        person_key=join.person_key
    )[0]
    with pytest.raises(actions.SubjectsRefused, match="out of date"):
        actions.decide(users["root"], [other.pk, again.pk], confirm=True)
    assert not Entry.objects.filter(person_key=other.person_key).exists()
