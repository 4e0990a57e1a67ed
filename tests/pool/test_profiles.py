import base64
import json

import pytest
from django.urls import reverse
from django.utils import translation

from jiancha.access.models import User
from jiancha.ledger.models import Event
from jiancha.pool.importer import import_file, sync_feeds
from jiancha.pool.models import Feed, ProfileQuery
from jiancha.pool.services import QueryRefused, query_person

from .fixtures import CHILD, FATHER, MOTHER, write_residents

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(tmp_path, monkeypatch, demo_region):
    from jiancha.pool import services

    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    # The cases app requires investigators to name a case of theirs; that check is tested in
    # tests/cases. Here the pool's own behaviour is under test.
    monkeypatch.setattr(services, "_purpose_checks", [])
    import_file("population", write_residents(tmp_path))
    return tmp_path


def test_profile_needs_a_purpose_and_the_right(pool):
    analyst = User.objects.get(username="analyst")
    with translation.override("zh-hans"), pytest.raises(QueryRefused, match="查询事由"):
        query_person(analyst, CHILD, purpose="  ")
    with translation.override("zh-hans"), pytest.raises(QueryRefused, match="需要“query_pool”权限"):
        query_person(User.objects.get(username="reviewer"), CHILD, purpose="review of case 12")
    assert ProfileQuery.objects.count() == 0


def test_profile_answers_with_sources_masked_for_an_analyst(pool):
    answer = query_person(User.objects.get(username="analyst"), CHILD, purpose="alert 17 review")
    identity = answer.sections["identity"][0]
    assert identity["name"] == "张伟" and identity["phone"] == "139****0003"
    assert (identity["feed"], identity["file"], identity["row"]) == ("population", "residents.csv", 4)
    relatives = {(f["relationship"], f["idNumber"]) for f in answer.sections["family"]}
    assert ("father", FATHER[:4] + "*" * 12 + FATHER[-2:]) in relatives
    assert all(CHILD not in str(value) for fact in answer.sections["family"] for value in fact.values())


def test_investigator_sees_full_identifiers(pool):
    answer = query_person(
        User.objects.get(username="investigator"), CHILD, purpose="case 2026-001 interview prep"
    )
    assert ("mother", MOTHER) in {(f["relationship"], f["idNumber"]) for f in answer.sections["family"]}


def test_every_query_is_logged_and_written_to_the_ledger(pool):
    answer = query_person(
        User.objects.get(username="analyst"), CHILD, purpose="alert 17 review", case_reference="A-17"
    )
    logged = ProfileQuery.objects.get()
    assert (logged.username, logged.kind, logged.purpose, logged.case_reference) == (
        "analyst",
        "person",
        "alert 17 review",
        "A-17",
    )
    assert logged.subject_masked.startswith(CHILD[:4]) and CHILD not in logged.subject_masked
    assert logged.answered_at >= logged.requested_at and logged.facts_returned > 0
    event = Event.objects.get(index=logged.ledger_index)
    assert (event.kind, event.object_kind, event.object_id) == (
        "pool.query.person",
        "data_query",
        str(logged.pk),
    )
    assert CHILD not in str(event.__dict__)  # the ledger holds a salted hash, never the subject
    assert answer.query == logged


def test_invalid_id_is_refused_with_the_reason(pool):
    with translation.override("zh-hans"), pytest.raises(QueryRefused, match="校验码不符"):
        query_person(
            User.objects.get(username="analyst"),
            CHILD[:-1] + ("0" if CHILD[-1] != "0" else "1"),
            purpose="checking",
        )


def test_name_search_lists_namesakes_and_links_inherit_its_purpose(client, pool):
    analyst = User.objects.get(username="analyst")
    client.force_login(analyst)
    response = client.post(reverse("pool:query"), {"q": "张伟", "purpose": "alert 17 review"})
    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="candidates"' in html
    search_query = ProfileQuery.objects.get(kind="search")
    link_start = html.index('href="/pool/profile/') + len('href="')
    link = html[link_start : html.index("?", link_start)]
    profile = client.get(f"{link}?from={search_query.pk}")
    assert profile.status_code == 200 and "张伟" in profile.content.decode()
    follow_up = ProfileQuery.objects.filter(kind="person").get()
    assert follow_up.parent == search_query and follow_up.purpose == "alert 17 review"
    # Without the search it came from, the profile link does not open.
    assert client.get(link).status_code == 400
    # A forged link does not open either.
    assert (
        client.get(reverse("pool:profile", args=["forged"]) + f"?from={search_query.pk}").status_code == 400
    )


def test_query_page_refuses_roles_without_the_right(client, pool):
    client.force_login(User.objects.get(username="intake"))
    assert client.get(reverse("pool:query")).status_code == 403


def test_liaison_sees_only_their_own_feed(client, pool):
    sync_feeds()
    liaison = User.objects.get(username="dept_liaison")
    Feed.objects.filter(code="population").update(liaison=liaison)
    client.force_login(liaison)
    listing = client.get(reverse("pool:feeds")).content.decode()
    assert reverse("pool:feed", args=["population"]) in listing
    assert reverse("pool:feed", args=["bank"]) not in listing
    assert client.get(reverse("pool:feed", args=["population"])).status_code == 200
    assert client.get(reverse("pool:feed", args=["bank"])).status_code == 403


def test_liaison_upload_reports_a_wrong_file(client, pool, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sync_feeds()
    liaison = User.objects.get(username="dept_liaison")
    Feed.objects.filter(code="deaths").update(liaison=liaison)
    client.force_login(liaison)
    wrong = SimpleUploadedFile("deaths.csv", "号牌号码,车主\n浙A1,张三\n".encode())
    response = client.post(reverse("pool:upload", args=["deaths"]), {"file": wrong})
    assert response.status_code == 400
    assert "公民身份号码" in response.content.decode()
    good = SimpleUploadedFile(
        "deaths.csv",
        f"姓名,公民身份号码,死亡日期,登记日期,登记机关\n张建国,{FATHER},2025-03-01,2025-03-05,民政局\n".encode(
            "gbk"
        ),
    )
    response = client.post(reverse("pool:upload", args=["deaths"]), {"file": good})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "deaths.csv" in detail and "1" in detail
    assert client.post(reverse("pool:upload", args=["population"]), {"file": good}).status_code == 403


def test_security_officer_reads_the_query_log_masked(client, pool):
    query_person(User.objects.get(username="analyst"), CHILD, purpose="alert 17 review")
    client.force_login(User.objects.get(username="security_officer"))
    html = client.get(reverse("pool:queries")).content.decode()
    assert "alert 17 review" in html and "analyst" in html and CHILD not in html
    client.force_login(User.objects.get(username="analyst"))
    assert client.get(reverse("pool:queries")).status_code == 403


def _all_text(answer):
    return json.dumps(answer.sections, default=str, ensure_ascii=False)


def test_analyst_response_carries_no_full_id_even_in_links(pool):
    answer = query_person(User.objects.get(username="analyst"), CHILD, purpose="alert 17 review")
    text = _all_text(answer)
    for number in (CHILD, FATHER, MOTHER):
        assert number not in text
    for fact in answer.sections["family"]:
        decoded = base64.urlsafe_b64decode(fact["idNumber_link"] + "==").decode("latin-1")
        assert all(number not in decoded for number in (CHILD, FATHER, MOTHER))
    identity = answer.sections["identity"][0]
    assert identity["address"] == "石门镇****"


def test_profile_links_are_bound_to_their_user(pool):
    from jiancha.pool.services import subject_from_token

    analyst = User.objects.get(username="analyst")
    answer = query_person(analyst, CHILD, purpose="alert 17 review")
    token = answer.sections["family"][0]["idNumber_link"]
    assert subject_from_token(token, analyst.pk)[0] == "person"
    with pytest.raises(QueryRefused):
        subject_from_token(token, User.objects.get(username="investigator").pk)


def test_registered_purpose_checks_can_refuse(pool):
    from jiancha.pool import services

    def only_with_reference(user, case_reference):
        return None if case_reference else "name your case"

    services.register_purpose_check(only_with_reference)
    try:
        with pytest.raises(QueryRefused, match="name your case"):
            query_person(User.objects.get(username="analyst"), CHILD, purpose="alert 17 review")
        assert query_person(
            User.objects.get(username="analyst"), CHILD, purpose="alert 17", case_reference="A-17"
        )
    finally:
        services._purpose_checks.remove(only_with_reference)
