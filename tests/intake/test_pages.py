"""The public pages and the staff pages through HTTP: what a reporter and an officer see."""

from __future__ import annotations

import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation

from jiancha.access.models import User
from jiancha.intake import keys, wechat
from jiancha.intake.models import Report
from jiancha.ledger.models import Event

from .conftest import CITY, VALID_ID, jpeg_with_gps, solve

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def form_data(client: Client, **overrides) -> dict:
    page = client.get("/report/")
    match = re.search(r'name="pow_challenge" value="([^"]+)"', page.content.decode())
    assert match, "the form carries a proof-of-work challenge"
    challenge = match.group(1)
    data = {
        "division": CITY,
        "concerns_name": "刘某某",
        "concerns_unit": "清河区住建局",
        "facts": "在老旧小区改造工程招标中收受投标人财物约二十万元",
        "real_name": "0",
        "pow_challenge": challenge,
        "pow_nonce": solve(challenge),
    }
    data.update(overrides)
    return data


def code_of(response) -> str:
    match = re.search(r'data-testid="receipt-code">([0-9 ]+)<', response.content.decode())
    assert match, response.content.decode()[:2000]
    return match.group(1)


def file_real_name_report() -> str:
    """张三 files a real-name report on the public form; returns the receipt code."""
    reporter = Client()
    identity = {"reporter_name": "张三", "reporter_id_number": VALID_ID, "reporter_phone": "13800138000"}
    return code_of(reporter.post("/report/", form_data(reporter, real_name="1", **identity)))


def english(client: Client) -> Client:
    """The language a visitor chose with the header's switch (the page ignores Accept-Language)."""
    client.cookies["jiancha_language"] = "en"
    return client


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_the_public_form_needs_no_login_and_sets_no_cookie_but_csrf(client, demo_region):
    with translation.override("en"):
        response = client.get("/report/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert set(response.cookies) <= {"csrftoken"}
    assert "intake/pow.js" in response.content.decode()
    assert "<script>" not in response.content.decode().replace(
        '<script src="/static/intake/pow.js" defer></script>', ""
    )


def test_submit_anonymously_then_follow_up_with_the_code(client, demo_region):
    photo = SimpleUploadedFile("现场.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client.post("/report/", {**form_data(client), "attachments": [photo]})
    assert response.status_code == 200, response.content.decode()[:2000]
    code = code_of(response)
    assert set(response.cookies) <= {"csrftoken"}
    report = Report.objects.get()
    assert report.channel == "web" and not report.real_name and report.attachments.count() == 1
    page = client.post("/report/follow/", {"code": code})
    assert page.status_code == 200 and report.number in page.content.decode()
    added = client.post(
        "/report/follow/", {"code": code, "action": "add", "text": "补充：还有一份合同复印件"}
    )
    assert "补充：还有一份合同复印件" in added.content.decode()
    assert Event.objects.filter(kind="intake.reporter_added").count() == 1


def test_bad_proof_of_work_and_bad_files_are_refused_with_nothing_stored(client, demo_region):
    english(client)
    with translation.override("en"):
        response = client.post("/report/", form_data(client, pow_nonce="nonsense-that-fails"))
        assert response.status_code == 400 and "anti-spam check" in response.content.decode()
        exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\0" * 100, content_type="image/jpeg")
        response = client.post("/report/", {**form_data(client), "attachments": [exe]})
        assert response.status_code == 400 and "photo.jpg" in response.content.decode()
        response = client.post(
            "/report/",
            form_data(
                client,
                real_name="1",
                reporter_name="张三",
                reporter_id_number="123",
                reporter_phone="13800138000",
            ),
        )
        assert response.status_code == 400 and "resident ID" in response.content.decode()
    assert not Report.objects.exists()


def test_a_replayed_challenge_is_refused(client, demo_region):
    data = form_data(client)
    assert client.post("/report/", data).status_code == 200
    assert client.post("/report/", data).status_code == 400
    assert Report.objects.count() == 1


def test_script_in_any_field_is_shown_as_text(client, demo_region):
    data = form_data(
        client, concerns_name=XSS[:90], concerns_unit=XSS, facts=XSS + " 收受财物", happened_where=XSS
    )
    code = code_of(client.post("/report/", data))
    page = client.post("/report/follow/", {"code": code}).content.decode()
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<img src=x" not in page
    staff = signed_in("intake").get(f"/report/staff/{Report.objects.get().pk}/").content.decode()
    assert "<script>alert" not in staff and "&lt;script&gt;" in staff


def test_guessing_codes_reveals_nothing_and_is_throttled(client, demo_region, settings, caplog):
    settings.INTAKE_LOOKUPS_PER_15_MIN = 3
    english(client)
    with translation.override("en"):
        for guess in ("1" * 20, "12345", "abc"):
            response = client.post("/report/follow/", {"code": guess})
            assert response.status_code == 404 and "no report matches this code" in response.content.decode()
        response = client.post("/report/follow/", {"code": "2" * 20})
    assert response.status_code == 429
    assert "receipt-code attempts over the limit" in caplog.text


def test_the_officer_registers_a_letter_and_answers_and_the_reporter_sees_only_feedback(demo_region):
    officer = signed_in("intake")
    scan = SimpleUploadedFile("来信扫描.pdf", b"%PDF-1.4\n%scan\n", content_type="application/pdf")
    response = officer.post(
        "/report/staff/new/",
        {
            "channel": "letter",
            "division": CITY,
            "received_on": "2026-03-13",
            "channel_ref": "XF-2026-001",
            "concerns_name": "陈某",
            "facts": "镇长陈某违规发放补贴给亲属",
            "real_name": "1",
            "reporter_name": "李四",
            "reporter_id_number": VALID_ID,
            "reporter_phone": "0571-88888888",
            "attachments": [scan],
        },
    )
    assert response.status_code == 200, response.content.decode()[:3000]
    code = code_of(response)
    report = Report.objects.get()
    assert report.received_by.username == "intake" and report.channel == "letter"
    officer.post(
        f"/report/staff/{report.pk}/", {"action": "message", "kind": "note", "text": "内部：与XF-2025-77相似"}
    )
    officer.post(
        f"/report/staff/{report.pk}/",
        {"action": "message", "kind": "question", "text": "请问补贴发放的时间？"},
    )
    public = Client().post("/report/follow/", {"code": code}).content.decode()
    assert "请问补贴发放的时间？" in public and "内部：" not in public


def test_investigators_and_others_cannot_open_intake_pages_or_identities(demo_region):
    file_real_name_report()
    report = Report.objects.get()
    investigator = signed_in("investigator")
    for url in ("/report/staff/", f"/report/staff/{report.pk}/", f"/report/staff/{report.pk}/identity/"):
        assert investigator.get(url).status_code == 403
    officer = signed_in("intake")
    page = officer.post(f"/report/staff/{report.pk}/identity/", {"reason": "回访举报人"}).content.decode()
    assert "张三" in page and VALID_ID in page
    assert Event.objects.filter(kind="intake.identity_viewed").count() == 1
    assert "张三" not in officer.get(f"/report/staff/{report.pk}/").content.decode()


def test_the_public_form_is_rate_limited(client, demo_region, settings):
    settings.INTAKE_SUBMIT_PER_HOUR = 1
    english(client)
    assert client.post("/report/", form_data(client)).status_code == 200
    with translation.override("en"):
        response = client.post("/report/", form_data(client))
    assert response.status_code == 400 and "too many reports" in response.content.decode()


def _signed(token: str, nonce: str = "nonce42") -> dict[str, str]:
    timestamp = str(int(time.time()))
    return {"timestamp": timestamp, "nonce": nonce, "signature": wechat.signature(token, timestamp, nonce)}


WECHAT_TEXT = (
    "<xml><ToUserName><![CDATA[gh_commission]]></ToUserName><FromUserName><![CDATA[oOpenId123]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[举报梅山县某局长王某收受红包]]></Content><MsgId>987654321</MsgId></xml>"
)


def test_the_wechat_webhook_checks_the_signature_and_replies_with_a_code(client, demo_region, settings):
    settings.INTAKE_WECHAT_TOKEN = "wx-token"
    query = _signed("wx-token")
    assert client.get("/report/wechat/", {**query, "echostr": "hello"}).content == b"hello"
    forged = _signed("wrong-token")
    response = client.post(
        f"/report/wechat/?timestamp={forged['timestamp']}&nonce={forged['nonce']}&signature={forged['signature']}",
        WECHAT_TEXT,
        content_type="text/xml",
    )
    assert response.status_code == 403 and not Report.objects.exists()
    stale = {**query, "timestamp": "1000", "signature": wechat.signature("wx-token", "1000", "nonce42")}
    assert client.get("/report/wechat/", stale).status_code == 403
    url = f"/report/wechat/?timestamp={query['timestamp']}&nonce={query['nonce']}&signature={query['signature']}"
    response = client.post(url, WECHAT_TEXT, content_type="text/xml")
    assert response.status_code == 200
    reply = response.content.decode()
    assert "<ToUserName><![CDATA[oOpenId123]]>" in reply
    code = re.search(r"(\d{4}(?: \d{4}){4})", reply).group(1)
    report = Report.objects.get()
    assert report.channel == "wechat" and report.channel_ref == "987654321"
    sealed = bytes(report.identity_sealed)
    assert sealed and sealed != b'{"wechat_openid": "oOpenId123"}'
    assert keys.unseal_json(sealed)["wechat_openid"] == "oOpenId123"
    assert Client().post("/report/follow/", {"code": code}).status_code == 200
    assert (
        client.post(wechat_url(), "<!DOCTYPE x [<!ENTITY a 'b'>]><xml/>", content_type="text/xml").status_code
        == 400
    )


def wechat_url(nonce: str = "") -> str:
    """A freshly signed webhook URL (each nonce is taken once)."""
    import secrets

    query = _signed("wx-token", nonce or secrets.token_hex(6))
    return f"/report/wechat/?timestamp={query['timestamp']}&nonce={query['nonce']}&signature={query['signature']}"


def test_a_replayed_wechat_request_is_refused(client, demo_region, settings):
    settings.INTAKE_WECHAT_TOKEN = "wx-token"
    url = wechat_url("once")
    assert client.post(url, WECHAT_TEXT, content_type="text/xml").status_code == 200
    assert client.post(url, WECHAT_TEXT, content_type="text/xml").status_code == 403
    assert Report.objects.count() == 1


def test_a_wechat_message_delivered_again_makes_no_second_report(client, demo_region, settings):
    settings.INTAKE_WECHAT_TOKEN = "wx-token"
    first = client.post(wechat_url(), WECHAT_TEXT, content_type="text/xml").content.decode()
    again = client.post(wechat_url(), WECHAT_TEXT, content_type="text/xml")
    report = Report.objects.get()
    assert again.status_code == 200 and report.number in again.content.decode()
    assert re.search(r"\d{4} \d{4} \d{4}", first) and not re.search(
        r"\d{4} \d{4} \d{4}", again.content.decode()
    )
    other = WECHAT_TEXT.replace("987654321", "987654322")
    assert client.post(wechat_url(), other, content_type="text/xml").status_code == 200
    assert Report.objects.count() == 2


def test_the_database_keeps_one_report_per_wechat_message(demo_region):
    from django.db import IntegrityError, transaction

    from jiancha.intake import actions
    from jiancha.orgs.models import Division

    def submit() -> None:
        actions.submit_report(
            channel="wechat",
            division=Division.objects.get(code=CITY),
            data=actions.ReportInput(concerns_name="王某", facts="收受红包，金额较大，影响恶劣"),
            channel_ref="555",
        )

    submit()
    with pytest.raises(IntegrityError), transaction.atomic():
        submit()
    assert Report.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        WECHAT_TEXT.encode("utf-16"),  # the old DTD filter looked for ASCII bytes: UTF-16 slipped by
        ('<?xml version="1.0" encoding="UTF-16"?>' + WECHAT_TEXT).encode("utf-16"),
        b"\xff\xfe" + WECHAT_TEXT.encode("utf-16-le"),
        ("<!DOCTYPE xml [<!ENTITY a 'b'>]>" + WECHAT_TEXT).encode(),
        WECHAT_TEXT.replace("<Content>", "<!ENTITY x 'y'><Content>").encode(),
        ('<?xml version="1.0"?>' + WECHAT_TEXT).encode(),
        b"<xml>\xc3\x28</xml>",  # not UTF-8
    ],
)
def test_the_wechat_webhook_takes_only_plain_utf8_xml(client, demo_region, settings, body):
    settings.INTAKE_WECHAT_TOKEN = "wx-token"
    response = client.post(wechat_url(), body, content_type="text/xml")
    assert response.status_code == 400 and not Report.objects.exists()


def test_the_api_gives_intake_staff_figures_and_reports_without_the_reporter(demo_region):
    file_real_name_report()
    officer = signed_in("intake")
    figures = officer.get("/api/intake/kpis").json()
    assert figures["by_channel"]["web"] == 1 and figures["feedback_due"] == figures["feedback_undated"] == 0
    listed = officer.get("/api/intake/reports")
    assert listed.status_code == 200 and listed.json()[0]["real_name"] is True
    assert "张三" not in listed.content.decode() and VALID_ID not in listed.content.decode()
    assert signed_in("investigator").get("/api/intake/kpis").status_code == 403
    assert Client().get("/api/intake/reports").status_code == 401


def test_the_intake_officers_home_links_to_reports_and_lists_feedback_due(demo_region):
    file_real_name_report()
    Report.objects.update(acceptance_due="2026-01-05")  # long overdue
    home = signed_in("intake").get("/").content.decode()
    assert 'href="/report/staff/"' in home
    assert Report.objects.get().number in home  # the panel's overdue feedback clock
    assert 'href="/report/staff/"' not in signed_in("investigator").get("/").content.decode()


def test_behind_a_trusted_proxy_the_forwarded_address_is_limited(client, demo_region, settings):
    from django.test import RequestFactory

    from jiancha.intake import abuse

    def address(remote: str, forwarded: str = "") -> str:
        request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
        return abuse.client_address(request)

    settings.JIANCHA_TRUSTED_PROXIES = []
    assert address("10.0.0.5", "203.0.113.7") == "10.0.0.5"  # no proxy trusted: the header is ignored
    settings.JIANCHA_TRUSTED_PROXIES = ["10.0.0.5", "192.168.0.0/24", "not an address"]
    assert address("10.0.0.5", "203.0.113.7") == "203.0.113.7"
    # A forged left part is not believed: the right-most untrusted hop is the visitor.
    assert address("10.0.0.5", "1.2.3.4, 203.0.113.7, 192.168.0.9") == "203.0.113.7"
    assert address("198.51.100.1", "203.0.113.7") == "198.51.100.1"  # not from the proxy
    assert address("10.0.0.5", "") == "10.0.0.5"

    # Two visitors behind the one proxy have a limit each.
    settings.INTAKE_SUBMIT_PER_HOUR = 1
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    first = client.post("/report/", form_data(client), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    second = client.post("/report/", form_data(client), HTTP_X_FORWARDED_FOR="203.0.113.8", **proxy)
    again = client.post("/report/", form_data(client), HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert (first.status_code, second.status_code, again.status_code) == (200, 200, 400)


def test_a_submission_without_the_work_does_not_use_up_the_limit(client, demo_region, settings):
    settings.INTAKE_SUBMIT_PER_HOUR = 1
    for _ in range(3):
        assert client.post("/report/", form_data(client, pow_challenge="forged")).status_code == 400
    assert client.post("/report/", form_data(client)).status_code == 200


def test_non_ascii_signatures_are_refused_not_a_server_error(client, demo_region, settings):
    from jiancha.intake import abuse

    challenge = abuse.new_challenge()
    forged = challenge.rsplit(".", 1)[0] + ".签名签名"
    assert abuse.check_work(forged, "0") is False
    data = form_data(client, pow_challenge=forged)
    assert client.post("/report/", data).status_code == 400 and not Report.objects.exists()

    settings.INTAKE_WECHAT_TOKEN = "wx-token"
    query = {**_signed("wx-token"), "signature": "签名"}
    assert client.get("/report/wechat/", {**query, "echostr": "x"}).status_code == 403
    arabic_digits = {**_signed("wx-token"), "timestamp": "١٧٠٠٠٠٠٠٠٠"}
    assert client.get("/report/wechat/", arabic_digits).status_code == 403


def test_an_oversized_upload_is_refused_before_csrf_reads_it(demo_region, settings):
    settings.INTAKE_MAX_ATTACHMENT_BYTES = 1000  # whole request: 5 × 1000 bytes + 1 MiB
    strict = english(Client(enforce_csrf_checks=True))  # no CSRF token: CSRF would answer 403
    big = SimpleUploadedFile("合同.txt", b"a" * (1024 * 1024 + 6000), content_type="text/plain")
    for path in ("/report/", "/report/follow/"):
        response = strict.post(path, {"attachments": [big]})
        big.seek(0)
        assert response.status_code == 413, path
        assert "too large" in response.content.decode() and "1 MB" in response.content.decode()
    declared = strict.post("/report/", {"facts": "x"}, CONTENT_LENGTH=str(50 * 1024 * 1024))
    assert declared.status_code == 413 and not Report.objects.exists()
    assert strict.get("/report/").status_code == 200  # only POSTs are measured
    settings.INTAKE_WECHAT_TOKEN = "wx-token"
    big_message = WECHAT_TEXT.replace("举报", "举报" * 20000)  # over WeChat's 64 KB
    assert strict.post(wechat_url(), big_message, content_type="text/xml").status_code == 413


def test_a_file_over_the_limit_is_named_without_being_read(client, demo_region, settings):
    settings.INTAKE_MAX_ATTACHMENT_BYTES = 1000
    english(client)
    big = SimpleUploadedFile("合同.txt", b"a" * 2000, content_type="text/plain")
    with translation.override("en"):
        response = client.post("/report/", {**form_data(client), "attachments": [big]})
    assert response.status_code == 400 and "合同.txt" in response.content.decode()
    assert "the limit is" in response.content.decode()
    assert not Report.objects.exists()


def test_files_added_with_a_receipt_code_are_limited_per_report(client, demo_region, settings):
    settings.INTAKE_MAX_FILES_PER_REPORT = 2
    code = code_of(client.post("/report/", form_data(client)))

    def add(*names: str):
        files = [SimpleUploadedFile(n, "补充材料".encode(), content_type="text/plain") for n in names]
        return client.post("/report/follow/", {"code": code, "action": "add", "attachments": files})

    assert add("一.txt", "二.txt").status_code == 200
    refused = add("三.txt")
    assert refused.status_code == 400 and Report.objects.get().attachments.count() == 2
    settings.INTAKE_MAX_FILES_PER_REPORT = 20
    settings.INTAKE_MAX_BYTES_PER_REPORT = 20
    assert add("四.txt").status_code == 400 and Report.objects.get().attachments.count() == 2


def test_only_images_are_labelled_cleaned_and_documents_need_a_reason(client, demo_region):
    photo = SimpleUploadedFile("现场.jpg", jpeg_with_gps(), content_type="image/jpeg")
    pdf = SimpleUploadedFile("合同.pdf", b"%PDF-1.4\n/Author (Zhang San)\n", content_type="application/pdf")
    client.post("/report/", {**form_data(client), "attachments": [photo, pdf]})
    report = Report.objects.get()
    image, document = report.attachments.order_by("id")
    officer = english(signed_in("intake"))
    page = officer.get(f"/report/staff/{report.pk}/").content.decode()
    assert (
        page.count('data-testid="file-cleaned"') == 1 and page.count('data-testid="file-as-delivered"') == 1
    )
    assert "metadata removed" in page and "kept as delivered" in page

    download = officer.get(f"/report/staff/attachments/{image.pk}/")
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert b"Zhang San" not in officer.get(f"/report/staff/attachments/{document.pk}/").content
    assert officer.post(f"/report/staff/attachments/{document.pk}/", {"reason": ""}).status_code == 400
    assert not Event.objects.filter(kind="intake.file_viewed").exists()
    got = officer.post(f"/report/staff/attachments/{document.pk}/", {"reason": "核实合同内容"})
    assert got.status_code == 200 and b"Zhang San" in got.content
    assert got["Content-Disposition"].startswith("attachment") and got["Cache-Control"] == "no-store"
    assert Event.objects.filter(kind="intake.file_viewed", object_id=report.number).count() == 1
