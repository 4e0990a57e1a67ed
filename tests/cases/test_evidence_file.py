"""Reading an evidence file: who may, what the ledger keeps, and a file changed behind our back."""

import hashlib

import pytest
from django.core.files.base import ContentFile
from django.utils import translation

from jiancha.cases.actions import do_add_evidence
from jiancha.cases.models import Evidence
from jiancha.ledger.models import Event

from .conftest import filed_case

pytestmark = pytest.mark.django_db
CONTENT = b"%PDF-1.7 interrogation record"


def _item(staff) -> Evidence:
    case = filed_case(staff)
    return do_add_evidence(
        case,
        staff.investigator,
        case.version,
        evidence_type="documentary",
        description="询问笔录",
        source="本委",
        location="档案室",
        content=CONTENT,
        file_name="record.pdf",
    )


def _url(item: Evidence) -> str:
    return f"/cases/{item.case_id}/evidence/{item.pk}/"


def test_a_team_member_downloads_the_file_and_the_ledger_says_so(client, staff):
    item = _item(staff)
    client.force_login(staff.investigator)
    page = client.get(f"/cases/{item.case_id}/").content.decode()
    assert _url(item) in page
    response = client.get(_url(item))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == CONTENT
    assert response["Content-Type"] == "application/octet-stream"
    assert 'attachment; filename="record.pdf"' in response["Content-Disposition"]
    opened = Event.objects.filter(kind="evidence.opened", object_id=str(item.pk)).get()
    assert opened.actor.startswith("investigator") and opened.object_kind == "evidence"
    assert item.sha256 == hashlib.sha256(CONTENT).hexdigest()


def test_the_reviewer_reads_evidence_but_someone_off_the_team_does_not(client, staff):
    item = _item(staff)
    client.force_login(staff.reviewer)
    assert client.get(_url(item)).status_code == 200
    client.force_login(staff.investigator2)  # an investigator, but not on this case's team
    assert client.get(_url(item)).status_code == 403
    client.force_login(staff.analyst)
    assert client.get(_url(item)).status_code == 403
    assert Event.objects.filter(kind="evidence.opened").count() == 1


def test_a_file_changed_after_it_was_added_is_withheld_and_the_mismatch_logged(client, staff):
    item = _item(staff)
    storage, name = item.file.storage, item.file.name
    storage.delete(name)
    storage.save(name, ContentFile(b"%PDF-1.7 a different record"))
    client.force_login(staff.investigator)
    with translation.override("en"):
        response = client.get(_url(item), follow=True, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200 and response.redirect_chain
    assert "no longer matches the SHA-256" in page or "与添加时记录的 SHA-256 不符" in page
    assert Event.objects.get(kind="evidence.integrity_failed", object_id=str(item.pk)).actor.startswith(
        "investigator"
    )
    assert not Event.objects.filter(kind="evidence.opened").exists()


def test_an_item_of_another_case_is_not_found_under_this_one(client, staff):
    item = _item(staff)
    other = filed_case(staff, summary="另一线索", name="赵某某")
    client.force_login(staff.investigator)
    assert client.get(f"/cases/{other.pk}/evidence/{item.pk}/").status_code == 404
