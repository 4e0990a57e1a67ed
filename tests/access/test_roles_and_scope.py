import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from jiancha.access.models import DeniedRequest, User
from jiancha.access.roles import ROLES
from jiancha.access.services import home_offers, visible_divisions, visible_units
from jiancha.orgs.models import Division

from ..factories import make_user

pytestmark = pytest.mark.django_db


def test_migration_creates_one_group_per_role_with_exactly_its_capabilities():
    for role in ROLES:
        group = Group.objects.get(name=role.code)
        assert set(group.permissions.values_list("codename", flat=True)) == set(role.capabilities), role.code


def test_investigator_cannot_see_reporter_identity_but_intake_can(demo_region):
    investigator = User.objects.get(username="investigator")
    intake = User.objects.get(username="intake")
    assert not investigator.has_perm("access.view_reporter_identity")
    assert intake.has_perm("access.view_reporter_identity")


def test_home_offers_only_what_the_role_may_do(demo_region):
    analyst = User.objects.get(username="analyst")
    capabilities = {offer.entry.capability for offer in home_offers(analyst)}
    assert capabilities == {"analyse_data", "write_indicator", "query_pool", ""}
    security = User.objects.get(username="security_officer")
    urls = {offer.url for offer in home_offers(security) if offer.entry.capability == "read_access_log"}
    assert reverse("access:denied_requests") in urls


@pytest.mark.parametrize("role", [r.code for r in ROLES if r.code != "public"])
def test_each_role_lands_on_its_home_page_in_chinese(client, demo_region, role):
    client.force_login(User.objects.get(username=role))
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert f'data-role="{role}"' in html
    assert "欢迎" in html
    offered = set(
        response.context["offers"][i].entry.capability for i in range(len(response.context["offers"]))
    )
    assert offered <= set(next(r for r in ROLES if r.code == role).capabilities) | {""}


def test_home_in_english_when_the_user_chose_english(client, demo_region):
    user = User.objects.get(username="approver")
    client.force_login(user)
    response = client.post(reverse("access:set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"
    html = client.get("/").content.decode()
    assert 'lang="en"' in html and "Welcome" in html and "Approving leader" in html


def test_language_switch_refuses_a_foreign_redirect(client, demo_region):
    client.force_login(User.objects.get(username="approver"))
    response = client.post(
        reverse("access:set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_scope_is_the_users_division_and_below(demo_region):
    investigator = User.objects.get(username="investigator")  # 清河区
    codes = set(visible_divisions(investigator).values_list("code", flat=True))
    assert "331202100201" in codes  # a village in 清河区
    assert "331221000000" not in codes  # 梅山县, a sibling county
    assert "331200000000" not in codes  # the city above
    assert all(unit.division.code.startswith("331202") for unit in visible_units(investigator))


def test_user_without_division_sees_nothing(demo_region):
    nobody = make_user("nobody", "analyst", division_code=None)
    assert visible_divisions(nobody).count() == 0


def test_division_outside_scope_is_refused_logged_and_in_the_users_language(client, demo_region):
    investigator = User.objects.get(username="investigator")
    client.force_login(investigator)
    assert client.get(reverse("org_division", args=["331202100201"])).status_code == 200
    response = client.get(reverse("org_division", args=["331221000000"]))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
    denial = DeniedRequest.objects.get()
    assert denial.username == "investigator" and "331221000000" in denial.path

    investigator.language = "en"
    investigator.save()
    response = client.get(reverse("org_division", args=["331221000000"]))
    assert "Not permitted" in response.content.decode()
    assert DeniedRequest.objects.count() == 2


def test_page_needing_a_capability_is_refused_to_other_roles(client, demo_region):
    client.force_login(User.objects.get(username="investigator"))
    assert client.get(reverse("access:denied_requests")).status_code == 403
    client.force_login(User.objects.get(username="security_officer"))
    response = client.get(reverse("access:denied_requests"))
    assert response.status_code == 200
    assert "investigator" in response.content.decode()


def test_signed_out_visitor_is_sent_to_login(client, demo_region):
    response = client.get(reverse("access:denied_requests"))
    assert response.status_code == 302 and reverse("access:login") in response["Location"]


def test_public_home_needs_no_login(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "12388" in response.content.decode()


def test_admin_is_closed_to_non_admin_roles(client, demo_region):
    client.force_login(User.objects.get(username="analyst"))
    assert client.get("/admin/").status_code == 302  # to the admin login: not staff
    client.force_login(User.objects.get(username="admin"))
    response = client.get("/admin/orgs/division/")
    assert response.status_code == 200
    assert Division.objects.get(code="331221000000").name in response.content.decode()


def test_chinese_is_the_default_whatever_the_browser_asks(client, db):
    response = client.get(reverse("access:login"), headers={"Accept-Language": "en-US,en;q=0.9"})
    assert "工作人员登录" in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_language_cookie_switches_a_signed_out_visitor(client, db):
    client.post(reverse("access:set_language"), {"language": "en", "next": "/accounts/login/"})
    assert "Staff sign-in" in client.get(reverse("access:login")).content.decode()
