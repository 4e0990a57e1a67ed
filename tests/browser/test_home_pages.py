"""Each role signs in through the real form and sees its home page, in Chinese and in English."""

import pytest
from django.utils import translation

from jiancha.access.roles import ROLES

from ..factories import DEMO_PASSWORD

STAFF_ROLES = [role for role in ROLES if role.code != "public"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=home-title]")


@pytest.mark.parametrize("role", STAFF_ROLES, ids=lambda r: r.code)
def test_role_home_page_in_chinese_and_english(page, live_server, demo_region, artifacts, role):
    sign_in(page, live_server.url, role.code)
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    with translation.override("zh-hans"):
        assert page.locator(f"[data-role={role.code}]").inner_text() == str(role.name)
    assert "欢迎" in page.locator("[data-testid=home-title]").inner_text()
    offered = set(
        page.locator("[data-testid=offers] article").evaluate_all("els => els.map(e => e.dataset.capability)")
    )
    assert offered <= set(role.capabilities) | {"any"}
    assert offered & set(role.capabilities), "the home page offers nothing the role may do"
    page.screenshot(path=str(artifacts / f"home-{role.code}-zh-hans.png"), full_page=True)

    page.click("[data-testid=language-en]")
    page.wait_for_selector("html[lang=en]")
    assert "Welcome" in page.locator("[data-testid=home-title]").inner_text()
    with translation.override("en"):
        assert page.locator(f"[data-role={role.code}]").inner_text() == str(role.name)
    page.screenshot(path=str(artifacts / f"home-{role.code}-en.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_public_landing_page(page, live_server, db, artifacts, language):
    page.goto(live_server.url + "/")
    if language == "en":
        page.click("[data-testid=language-en]")
        page.wait_for_selector("html[lang=en]")
    assert page.locator("html").get_attribute("lang") == language
    assert "12388" in page.locator("[data-testid=public-home]").locator("xpath=..").inner_text()
    page.screenshot(path=str(artifacts / f"home-public-{language}.png"), full_page=True)


def test_wrong_password_then_forbidden_page(page, live_server, demo_region, artifacts):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "investigator")
    page.fill("#id_password", "wrong password")
    page.click("[data-testid=login-submit]")
    assert "用户名或密码错误" in page.locator("[data-testid=login-error]").inner_text()
    sign_in(page, live_server.url, "investigator")
    response = page.goto(f"{live_server.url}/orgs/331221000000/")
    assert response is not None and response.status == 403
    assert page.locator("[data-testid=forbidden]").inner_text() == "无权访问"
    page.screenshot(path=str(artifacts / "forbidden-zh-hans.png"), full_page=True)
