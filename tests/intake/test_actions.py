"""Report intake's domain rules, without HTTP: receipts, sealing, files, decisions, clocks, KPIs."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation

from jiancha.access.models import User
from jiancha.cases.models import Lead
from jiancha.intake import actions, keys, receipts, services
from jiancha.intake.files import AttachmentRefused, check_file
from jiancha.intake.models import Message, Report, State
from jiancha.ledger.models import Event
from jiancha.orgs.models import Division

from .conftest import CITY, DISTRICT, VALID_ID, jpeg_with_gps

pytestmark = pytest.mark.django_db

FACTS = "清河区住建局副局长刘某某在老旧小区改造工程招标中收受投标人财物，金额约二十万元"


def real_name_input(**overrides: Any) -> actions.ReportInput:
    values: dict[str, Any] = {
        "concerns_name": "刘某某",
        "concerns_unit": "清河区住建局",
        "concerns_position": "副局长",
        "facts": FACTS,
        "happened_when": "2026年3月",
        "real_name": True,
        "reporter_name": "张三",
        "reporter_id_number": VALID_ID,
        "reporter_phone": "13800138000",
    }
    values.update(overrides)
    return actions.ReportInput(**values)


def submit(data: actions.ReportInput | None = None, **kwargs) -> tuple[Report, str]:
    kwargs.setdefault("channel", "web")
    kwargs.setdefault("division", Division.objects.get(code=CITY))
    return actions.submit_report(data=data or real_name_input(), **kwargs)


def to_district(report: Report, user: User, reason: str) -> None:
    actions.transfer(
        report, user, version=report.version, to=Division.objects.get(code=DISTRICT), reason=reason
    )


def test_a_real_name_report_keeps_its_identity_sealed_and_its_code_only_hashed(staff):
    report, code = submit()
    assert len(code) == 20 and code.isdigit()
    stored = Report.objects.get(pk=report.pk)
    assert stored.receipt_hash == receipts.receipt_hash(code) and code not in stored.receipt_hash
    sealed = bytes(stored.identity_sealed)
    # What is stored is not the identity itself, and unsealing it gives the identity back.
    plain = {"name": "张三", "id_number": VALID_ID, "phone": "13800138000"}
    assert sealed and sealed != json.dumps(plain, ensure_ascii=False).encode()
    assert keys.unseal_json(sealed) == plain
    assert actions.find_by_receipt(receipts.grouped(code)) == stored
    assert actions.find_by_receipt("1" * 20) is None and actions.find_by_receipt("abc") is None
    # 15 working days from receipt, counted on the working-day calendar
    assert stored.acceptance_due is not None and stored.acceptance_due > timezone.localdate()
    assert Event.objects.filter(kind="intake.report_received", object_id=report.number).exists()


def test_an_anonymous_report_has_no_identity_and_no_feedback_clock(staff):
    report, _ = submit(actions.ReportInput(concerns_name="刘某某", facts=FACTS))
    assert bytes(report.identity_sealed) == b"" and report.acceptance_due is None


def test_bad_input_is_refused_field_by_field():
    with translation.override("en"), pytest.raises(actions.InvalidReport) as refused:
        actions.clean_input(
            real_name_input(
                concerns_name=" ", facts="短", reporter_id_number="331202198001010021", reporter_phone="x"
            )
        )
    errors = refused.value.errors
    assert set(errors) == {"concerns_name", "facts", "reporter_id_number", "reporter_phone"}
    assert "check character" in errors["reporter_id_number"]


def test_overlong_fields_are_refused_not_cut():
    with translation.override("en"), pytest.raises(actions.InvalidReport) as refused:
        actions.clean_input(actions.ReportInput(concerns_name="刘" * 101, facts="收" * 20001))
    assert refused.value.errors == {
        "concerns_name": "at most 100 characters",
        "facts": "at most 20000 characters",
    }


def test_control_characters_are_removed_and_markup_kept_as_text():
    clean = actions.clean_input(
        actions.ReportInput(
            concerns_name="刘\u202e某某\x00", facts="<script>alert(1)</script> 收受财物十万元"
        )
    )
    assert clean.concerns_name == "刘某某"
    assert clean.facts.startswith("<script>")  # escaped where shown (test_pages)


def test_a_disguised_executable_and_an_oversized_file_are_refused(settings):
    with translation.override("en"):
        with pytest.raises(AttachmentRefused, match="not a file type we accept"):
            check_file("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)
        with pytest.raises(AttachmentRefused, match="does not contain what its name says"):
            check_file("scan.pdf", jpeg_with_gps())
        settings.INTAKE_MAX_ATTACHMENT_BYTES = 1000
        with pytest.raises(AttachmentRefused, match="the limit is"):
            check_file("big.txt", b"a" * 1001)


def test_image_metadata_is_stripped_and_the_original_kept_only_sealed(staff):
    original = jpeg_with_gps()
    checked = check_file("现场.jpg", original)
    assert b"SecretPhone" not in checked.cleaned and b"Exif" not in checked.cleaned
    report, _ = submit(files=[checked])
    attachment = report.attachments.get()
    sealed = bytes(attachment.original_sealed)
    assert sealed != original and len(sealed) > len(original) and keys.unseal(sealed) == original
    with pytest.raises(actions.InvalidReport):
        actions.original_attachment(attachment, staff.intake, "")
    assert actions.original_attachment(attachment, staff.intake, "核实照片拍摄地点") == original
    assert Event.objects.filter(kind="intake.original_viewed").count() == 1


def test_accepting_makes_a_lead_without_the_reporter(staff):
    report, _ = submit()
    lead_id = actions.accept(
        report, staff.intake, version=report.version, division=Division.objects.get(code=DISTRICT)
    )
    lead = Lead.objects.get(pk=lead_id)
    assert lead.source == "report" and lead.source_ref == report.number and lead.division.code == DISTRICT
    assert "张三" not in lead.summary and VALID_ID not in lead.summary and "13800138000" not in lead.summary
    assert [p.name for p in lead.persons.all()] == ["刘某某"]
    report.refresh_from_db()
    assert report.state == State.ACCEPTED and report.lead_number == lead.number
    with pytest.raises(actions.ActionRefused):
        actions.accept(report, staff.intake, version=report.version)


def test_a_stale_form_is_refused(staff):
    report, _ = submit()
    actions.not_accept(report, staff.intake, version=report.version, reason="不属于受理范围")
    stale = Report.objects.get(pk=report.pk)
    stale.state = State.REGISTERED
    with pytest.raises(actions.StaleVersion):
        actions.accept(stale, staff.intake, version=1)


def test_transfer_up_and_down_start_a_five_working_day_clock(staff):
    report, _ = submit(division=Division.objects.get(code=CITY))
    with pytest.raises(actions.InvalidReport):
        to_district(report, staff.intake, "")
    to_district(report, staff.intake, "属地管理")
    assert report.state == State.TRANSFERRED_DOWN and report.transfer_due is not None
    assert report.transfer_due > timezone.localdate()
    other, _ = submit(real_name_input(concerns_leader=True))
    actions.transfer(
        other,
        staff.intake,
        version=other.version,
        to=Division.objects.get(code="330000000000"),
        reason="反映本级领导",
    )
    assert other.state == State.TRANSFERRED_UP
    # Now above the officer's scope: no longer theirs to see.
    assert not services.reports_for(staff.intake).filter(pk=other.pk).exists()


def test_only_intake_staff_decide_and_only_with_a_reason_see_the_reporter(staff):
    report, _ = submit()
    with pytest.raises(PermissionDenied):
        actions.accept(report, staff.investigator, version=report.version)
    with pytest.raises(PermissionDenied):
        actions.reveal_identity(report, staff.investigator, "需要")
    with pytest.raises(actions.InvalidReport):
        actions.reveal_identity(report, staff.intake, " ")
    assert actions.reveal_identity(report, staff.intake, "核实举报人身份以便答复")["name"] == "张三"
    assert Event.objects.filter(kind="intake.identity_viewed", object_id=report.number).count() == 1
    assert not services.reports_for(staff.investigator).exists()


def test_feedback_clocks_and_the_kpis(staff):
    today = timezone.localdate()
    on_time, _ = submit()
    late, _ = submit()
    missing, _ = submit(received_at=timezone.now() - dt.timedelta(days=40))
    anonymous, _ = submit(actions.ReportInput(concerns_name="王某", facts=FACTS))
    for report in (on_time, late):
        actions.accept(report, staff.intake, version=report.version)
    with pytest.raises(actions.ActionRefused):
        actions.write_to_reporter(missing, staff.intake, Message.Kind.ACCEPTANCE, "已受理")
    actions.write_to_reporter(on_time, staff.intake, Message.Kind.ACCEPTANCE, "您的举报已受理")
    Report.objects.filter(pk=late.pk).update(acceptance_due=today - dt.timedelta(days=3))
    late.refresh_from_db()
    actions.write_to_reporter(late, staff.intake, Message.Kind.ACCEPTANCE, "您的举报已受理")
    kpi = services.feedback_kpi(today=today)
    assert (kpi.due, kpi.on_time, kpi.late, kpi.missing) == (3, 1, 1, 1)
    assert kpi.rate == pytest.approx(1 / 3)
    assert services.counts_by_channel() == {"letter": 0, "visit": 0, "web": 4, "phone": 0, "wechat": 0}
    panel = services.home_panel(staff.intake)
    assert panel is not None and any(missing.number in item.text and item.overdue for item in panel.items)
    assert services.home_panel(staff.investigator) is None
    assert anonymous.acceptance_due is None

    # The result: concluded, told, rated.
    with pytest.raises(actions.ActionRefused):
        actions.rate(on_time, "satisfied")
    actions.conclude(on_time, staff.intake, version=on_time.version)
    assert on_time.result_due is not None
    actions.write_to_reporter(
        on_time, staff.intake, Message.Kind.RESULT, "经核查，反映问题部分属实，已给予处分"
    )
    actions.rate(on_time, "satisfied")
    assert services.satisfaction_kpi().rate == 1.0
    assert services.feedback_kpi(today=today).due == 4


def test_similar_reports_on_the_same_person_are_grouped_and_merged(staff):
    first, _ = submit()
    second, _ = submit(
        real_name_input(facts="刘某某副局长在老旧小区改造工程招标时收受投标人的财物约二十万元")
    )
    unrelated, _ = submit(real_name_input(facts="刘某某经常在工作日打麻将，作风散漫，群众意见很大"))
    other_person, _ = submit(real_name_input(concerns_name="王某某"))
    found = actions.related_reports(second, Report.objects.all())
    assert [r for r, _score in found] == [first]
    actions.merge(second, first, staff.intake, version=second.version)
    assert second.state == State.MERGED and second.group == first
    assert unrelated.pk and other_person.pk


def test_reports_not_accepted_expire_and_their_deletion_is_in_the_ledger(staff, settings):
    settings.INTAKE_RETENTION_DAYS = 30
    report, _ = submit(files=[check_file("a.txt", "证据".encode())])
    kept, _ = submit()
    actions.not_accept(report, staff.intake, version=report.version, reason="反映内容不具体")
    assert report.expires_on == timezone.localdate() + dt.timedelta(days=30)
    assert actions.purge_expired(timezone.localdate() + dt.timedelta(days=29)) == []
    assert actions.purge_expired(timezone.localdate() + dt.timedelta(days=30)) == [report.number]
    assert not Report.objects.filter(pk=report.pk).exists() and Report.objects.filter(pk=kept.pk).exists()
    assert Event.objects.filter(kind="intake.report_deleted", object_id=report.number).exists()


def test_staff_channels_need_the_receiving_officer(staff):
    with pytest.raises(actions.ActionRefused):
        submit(channel="letter")
    report, _ = submit(channel="phone", received_by=staff.intake, channel_ref="12388-0001")
    assert report.received_by == staff.intake and report.channel == "phone"


def test_the_purge_command_deletes_what_expired(staff, capsys):
    from django.core.management import call_command

    report, _ = submit()
    actions.not_accept(report, staff.intake, version=report.version, reason="重复举报")
    call_command("intake_purge", "--date", (timezone.localdate() + dt.timedelta(days=400)).isoformat())
    assert report.number in capsys.readouterr().out
    assert not Report.objects.exists()


def test_the_lower_body_accepts_a_transferred_report_and_its_clock_stops(staff):
    from tests.factories import make_user

    district_officer = make_user("intake_district", "intake", DISTRICT)
    report, _ = submit()
    to_district(report, staff.intake, "属地办理")
    clocks = services.open_clocks(services.reports_for(district_officer))
    assert any(c.report == report and c.due == report.transfer_due for c in clocks)
    actions.accept(report, district_officer, version=report.version)
    assert report.state == State.ACCEPTED and report.transfer_due is None
    assert not any(
        c.report == report and "transferred" in c.label for c in services.open_clocks(Report.objects.all())
    )


def _load_2027(monkeypatch, tmp_path) -> None:
    """Add a 2027 calendar (as an administrator would) in a private calendar directory."""
    import shutil

    from jiancha.cases import workdays

    directory = tmp_path / "calendar"
    directory.mkdir()
    for path in workdays.CALENDAR_DIR.glob("*.yaml"):
        shutil.copy(path, directory)
    (directory / "2027.yaml").write_text("year: 2027\nsource: test\nholidays: []\n", encoding="utf-8")
    monkeypatch.setattr(workdays, "CALENDAR_DIR", directory)
    workdays.loaded_years.cache_clear()


@pytest.fixture
def december(pinned_clock):
    """15 December 2026: a 15-working-day clock ends in 2027, whose calendar is not loaded."""
    from jiancha.cases import workdays

    pinned_clock.start = dt.datetime(2026, 12, 15, 2, 0, tzinfo=dt.UTC)
    workdays.loaded_years.cache_clear()
    yield dt.date(2026, 12, 15)
    workdays.loaded_years.cache_clear()


def test_a_clock_without_a_calendar_is_listed_counted_and_recomputed(staff, december, monkeypatch, tmp_path):
    report, _ = submit()
    report.refresh_from_db()
    assert report.acceptance_due is None and report.clock_problem == "calendar_missing:2027"
    clocks = [c for c in services.open_clocks(Report.objects.all(), december) if c.report == report]
    assert len(clocks) == 1 and clocks[0].due is None and "2027" in clocks[0].problem
    panel = services.home_panel(staff.intake)
    assert panel is not None and any(report.number in i.text and "2027" in i.text for i in panel.items)
    kpi = services.feedback_kpi(today=december)
    assert (kpi.due, kpi.missing, kpi.undated) == (1, 1, 1) and kpi.rate == 0

    # The calendar is loaded: listing the clocks computes the due date.
    _load_2027(monkeypatch, tmp_path)
    clocks = [c for c in services.open_clocks(Report.objects.all(), december) if c.report == report]
    report.refresh_from_db()
    assert report.clock_problem == "" and report.acceptance_due == dt.date(2027, 1, 5)
    assert clocks[0].due == report.acceptance_due and clocks[0].problem == ""
    kpi = services.feedback_kpi(today=december)
    assert (kpi.due, kpi.missing, kpi.undated) == (0, 0, 0)


def test_the_clocks_command_recomputes_transfer_and_result_clocks(
    staff, december, pinned_clock, monkeypatch, tmp_path, capsys
):
    from django.core.management import call_command

    pinned_clock.start = dt.datetime(2026, 12, 28, 2, 0, tzinfo=dt.UTC)  # 5 working days reach 2027
    moved, _ = submit()
    to_district(moved, staff.intake, "属地办理")
    closed, _ = submit()
    actions.accept(closed, staff.intake, version=closed.version)
    actions.conclude(closed, staff.intake, version=closed.version)
    assert moved.transfer_due is None and closed.result_due is None
    call_command("intake_clocks")
    assert "0 report(s) now have their due dates; 2 still have a problem" in capsys.readouterr().out
    _load_2027(monkeypatch, tmp_path)
    call_command("intake_clocks")
    assert "2 report(s) now have their due dates" in capsys.readouterr().out
    moved.refresh_from_db()
    closed.refresh_from_db()
    assert moved.transfer_due == dt.date(2027, 1, 4) and moved.clock_problem == ""
    assert moved.acceptance_due == closed.result_due == dt.date(2027, 1, 18)


def test_the_staff_pages_show_a_clock_problem(staff, december, client):
    report, _ = submit()
    client.force_login(staff.intake)
    listing = client.get("/report/staff/").content.decode()
    assert 'data-testid="clock-problem"' in listing and "2027" in listing
    page = client.get(f"/report/staff/{report.pk}/").content.decode()
    assert 'data-testid="clock-problem"' in page and "2027" in page


def _png_header(width: int, height: int) -> bytes:
    """A PNG of a few bytes whose header claims ``width`` × ``height`` pixels (an image bomb)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def test_an_image_bomb_is_refused_before_it_is_decoded(settings, monkeypatch):
    from PIL import Image

    with translation.override("en"):
        with pytest.raises(AttachmentRefused, match="8000 × 8000 pixels; the limit is 40 million"):
            check_file("bomb.png", _png_header(8000, 8000))
        with pytest.raises(AttachmentRefused, match="too large to be opened safely"):
            check_file("bomb.png", _png_header(100_000, 100_000))  # Pillow's own limit, at open
        settings.INTAKE_MAX_IMAGE_PIXELS = 10**12
        monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 500)  # 32 × 24 = 768: Pillow only warns
        with pytest.raises(AttachmentRefused, match="too large to be opened safely"):
            check_file("photo.jpg", jpeg_with_gps())


def test_a_rotated_photo_keeps_its_orientation_and_loses_its_metadata():
    import io

    from PIL import Image

    image = Image.new("RGB", (40, 20), (255, 0, 0))
    image.paste((0, 0, 255), (20, 0, 40, 20))  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: shown turned 90° clockwise
    exif[0x0110] = "SecretPhone 12"
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, quality=95)
    cleaned = check_file("竖拍.jpg", out.getvalue()).cleaned
    assert b"Exif" not in cleaned and b"SecretPhone" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as shown:
        assert shown.size == (20, 40) and not shown.getexif()
        top, bottom = shown.getpixel((10, 5)), shown.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60  # turned clockwise: the left (red) is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_a_receipt_code_typed_in_full_width_digits_or_with_dashes_opens_the_report(staff):
    report, code = submit()
    full_width = "".join(chr(ord(d) - ord("0") + ord("０")) for d in code)
    grouped = "－".join(full_width[i : i + 4] for i in range(0, 20, 4))
    assert actions.find_by_receipt(full_width) == report
    assert actions.find_by_receipt(grouped) == report
    assert (
        actions.find_by_receipt(" " + "—".join(code[i : i + 5] for i in range(0, 20, 5)) + "\u3000") == report
    )
    arabic_indic = "".join(chr(ord(d) - ord("0") + 0x0660) for d in code)  # digits, but not ours
    assert actions.find_by_receipt(arabic_indic) is None
    assert actions.find_by_receipt(code[:-1]) is None


def test_a_lost_key_is_not_silently_replaced_while_reports_exist(staff, client):
    from jiancha.intake.apps import check_keys

    assert check_keys() == []
    report, _ = submit()
    keys.private_key_path().unlink()
    keys.forget_cached_keys()
    with pytest.raises(keys.KeyMissing, match="restore it from the backup"):
        keys.unseal_json(bytes(report.identity_sealed))
    with pytest.raises(keys.KeyMissing):
        submit()  # nor sealed to a new key nobody else has
    assert not keys.private_key_path().exists()
    [error] = check_keys()
    assert error.id == "intake.E001" and "office.key" in error.msg

    client.force_login(staff.intake)
    client.cookies["jiancha_language"] = "en"
    page = client.post(f"/report/staff/{report.pk}/identity/", {"reason": "核实举报人身份以便答复"})
    assert page.status_code == 200 and "private key is not here or is missing" in page.content.decode()
    assert not Event.objects.filter(kind="intake.identity_viewed").exists()


def test_a_lost_pepper_is_not_remade_while_reports_exist(staff):
    submit()
    (keys.intake_dir() / "receipt.pepper").unlink()
    keys.forget_cached_keys()
    with pytest.raises(keys.KeyMissing):
        actions.find_by_receipt("1" * 20)


def _merged_pair(staff) -> tuple[Report, Report]:
    head, _ = submit()
    member, _ = submit(
        real_name_input(facts="刘某某副局长在老旧小区改造工程招标时收受投标人的财物约二十万元")
    )
    actions.merge(member, head, staff.intake, version=member.version)
    return head, member


def test_a_merged_real_name_report_keeps_its_feedback_obligations(staff):
    head, member = _merged_pair(staff)
    today = timezone.localdate()
    clocks = services.open_clocks(Report.objects.all(), today)
    assert any(c.report == member and c.due == member.acceptance_due for c in clocks)
    later = member.acceptance_due + dt.timedelta(days=1)
    assert services.feedback_kpi(today=later).missing == 2  # the head's and the member's reporters

    actions.accept(head, staff.intake, version=head.version)
    actions.write_to_reporter(member, staff.intake, Message.Kind.ACCEPTANCE, "您的举报已与另一件合并受理")
    actions.conclude(head, staff.intake, version=head.version)
    member.refresh_from_db()
    assert member.state == State.MERGED and member.result_due == head.result_due is not None
    clocks = services.open_clocks(Report.objects.all(), today)
    assert [c.due for c in clocks if c.report == member] == [member.result_due]  # acceptance was told
    actions.write_to_reporter(member, staff.intake, Message.Kind.RESULT, "经核查，反映问题部分属实")
    kpi = services.feedback_kpi(today=later)
    # The member's acceptance and result told in time; the head's two (same due date) missing.
    assert (kpi.due, kpi.on_time, kpi.missing) == (4, 2, 2)

    late, _ = submit(
        real_name_input(facts="刘某某副局长在老旧小区改造工程招标时收受投标人的财物二十万元左右")
    )
    actions.merge(late, head, staff.intake, version=late.version)  # into a concluded report
    assert late.closed_on == head.closed_on and late.result_due == head.result_due


def test_a_merged_report_is_purged_with_its_group(staff, settings):
    settings.INTAKE_RETENTION_DAYS = 30
    head, member = _merged_pair(staff)
    kept, _ = submit(real_name_input(concerns_name="王某某"))
    actions.not_accept(head, staff.intake, version=head.version, reason="反映内容不具体")
    deleted = actions.purge_expired(timezone.localdate() + dt.timedelta(days=30))
    assert sorted(deleted) == sorted([head.number, member.number])
    assert list(Report.objects.all()) == [kept]
    assert Event.objects.filter(kind="intake.report_deleted", object_id=member.number).count() == 1


def test_transfers_go_one_level_and_leads_stay_in_the_reports_subtree(staff):
    report, _ = submit()
    street = Division.objects.get(code="331202001000")  # below the district, two levels down
    with pytest.raises(actions.ActionRefused):
        actions.transfer(report, staff.intake, version=report.version, to=street, reason="属地办理")
    to_district(report, staff.intake, "属地办理")
    for elsewhere in ("331221000000", CITY):  # a sibling county; the level above the report
        with pytest.raises(actions.ActionRefused):
            actions.accept(
                report, staff.intake, version=report.version, division=Division.objects.get(code=elsewhere)
            )
    assert not Lead.objects.exists()
    actions.accept(report, staff.intake, version=report.version, division=street)
    assert Lead.objects.get().division == street


def test_the_accept_form_checks_the_lead_division_and_files_outside_the_scope_are_not_found(staff, client):
    from tests.factories import make_user

    report, _ = submit(files=[check_file("证据.txt", "证据".encode())])
    to_district(report, staff.intake, "属地办理")
    client.force_login(staff.intake)
    for code in ("331221000000", "999999999999"):
        client.post(
            f"/report/staff/{report.pk}/",
            {"action": "accept", "version": report.version, "lead_division": code},
        )
        report.refresh_from_db()
        assert report.state == State.TRANSFERRED_DOWN and not Lead.objects.exists()

    city_report, _ = submit(files=[check_file("证据.txt", "证据".encode())])
    district_officer = make_user("intake_district", "intake", DISTRICT)
    client.force_login(district_officer)
    attachment = city_report.attachments.get()
    assert client.get(f"/report/staff/attachments/{attachment.pk}/").status_code == 404
    assert client.get("/report/staff/attachments/999999/").status_code == 404


def test_anonymous_reports_without_files_do_not_need_the_private_key(staff):
    from jiancha.intake.apps import check_keys

    submit(actions.ReportInput(concerns_name="王某", facts=FACTS))
    assert not keys.private_key_path().exists() and check_keys() == []
    report, _ = submit()  # the first sealed identity creates the key
    assert keys.private_key_path().exists() and keys.unseal_json(bytes(report.identity_sealed))
