"""The pool's pages as their users see them: query, namesakes, profile, feeds, upload, query log."""

import pytest

from jiancha.access.models import User
from jiancha.pool.importer import import_file, sync_feeds
from jiancha.pool.models import Feed

from ..factories import DEMO_PASSWORD
from ..pool.fixtures import write_residents

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pool(tmp_path, monkeypatch, demo_region):
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    import_file("population", write_residents(tmp_path))
    sync_feeds()
    Feed.objects.filter(code__in=["population", "deaths"]).update(
        liaison=User.objects.get(username="dept_liaison")
    )


def sign_in(page, base_url, username, language="zh-hans"):
    page.goto(f"{base_url}/accounts/login/")
    if language == "en":
        page.click("[data-testid=language-en]")
        page.wait_for_selector("html[lang=en]")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_selector("[data-testid=home-title]")


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_analyst_searches_namesakes_and_opens_a_masked_profile(page, live_server, pool, artifacts, language):
    sign_in(page, live_server.url, "analyst", language)
    page.goto(f"{live_server.url}/pool/")
    page.fill("#id_q", "张伟")
    page.click("button.primary")
    # No purpose given: the form is not sent (the server refuses it too, see tests/pool).
    assert page.locator("#id_purpose").evaluate("e => e.validity.valueMissing")
    assert page.locator("[data-testid=candidates]").count() == 0
    page.fill("#id_purpose", "预警复核 A-17" if language == "zh-hans" else "alert A-17 review")
    page.fill("#id_q", "张伟")
    page.click("button.primary")
    page.wait_for_selector("[data-testid=candidates]")
    page.screenshot(path=str(artifacts / f"pool-search-{language}.png"), full_page=True)
    page.click("[data-testid=candidates] tbody a")
    page.wait_for_selector("[data-testid=profile-title]")
    assert "张伟" in page.locator("[data-testid=profile-title]").inner_text()
    family = page.locator("[data-section=family]").inner_text()
    assert "*" in family  # resident IDs masked for an analyst
    assert page.locator("[data-testid=query-note]").inner_text()
    page.screenshot(path=str(artifacts / f"pool-profile-{language}.png"), full_page=True)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_liaison_sees_their_feed_and_delivers_a_file(page, live_server, pool, artifacts, tmp_path, language):
    sign_in(page, live_server.url, "dept_liaison", language)
    page.goto(f"{live_server.url}/pool/feeds/")
    assert page.locator("[data-testid=feeds] tbody tr").count() == 2
    page.screenshot(path=str(artifacts / f"pool-feeds-{language}.png"), full_page=True)
    page.goto(f"{live_server.url}/pool/feeds/population/upload/")
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("号牌号码,车主\n浙A1,张三\n", encoding="utf-8")
    page.set_input_files("input[type=file]", str(wrong))
    page.click("button.primary")
    assert "公民身份号码" in page.locator("[data-testid=upload-error]").inner_text()
    page.set_input_files(
        "input[type=file]", str(write_residents(tmp_path, name="second.csv", rows=None, encoding="gbk"))
    )
    page.click("button.primary")
    page.wait_for_selector("[data-testid=feed-title]")
    assert "second.csv" in page.locator("[data-testid=batches]").inner_text()
    page.screenshot(path=str(artifacts / f"pool-feed-{language}.png"), full_page=True)


def test_security_officer_reads_the_query_log(page, live_server, pool, artifacts):
    from jiancha.pool.services import query_person

    from ..pool.fixtures import CHILD

    query_person(User.objects.get(username="analyst"), CHILD, purpose="预警复核 A-17")
    sign_in(page, live_server.url, "security_officer")
    page.goto(f"{live_server.url}/pool/queries/")
    text = page.locator("[data-testid=queries]").inner_text()
    assert "预警复核 A-17" in text and CHILD not in text
    page.screenshot(path=str(artifacts / "pool-queries-zh-hans.png"), full_page=True)
