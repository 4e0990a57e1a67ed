"""The relation graph and the match review queue as an analyst sees them, in Chinese and English."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiancha.synth.generate import generate

from .test_pool_pages import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FILES = (
    ("population", "population/residents.csv"),
    ("roster", "hr/roster.xlsx"),
    ("payroll", "payroll/payroll.csv"),
    ("companies", "registry/companies.csv"),
    ("shareholders", "registry/shareholders.csv"),
)


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("resolve-browser")
    generate("tiny", 1, out, workers=1)
    return out


@pytest.fixture
def resolved(tmp_path, monkeypatch, demo_region, region):
    from jiancha.pool import services
    from jiancha.pool.importer import import_file
    from jiancha.resolve.runs import run

    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    monkeypatch.setattr(services, "_purpose_checks", [])
    county = sorted(p.name for p in region.iterdir() if p.name.isdigit())[0]
    for feed, name in FILES:
        import_file(feed, region / county / name, display_name=f"{county}/{name}")
    run(blind=0.5)
    _queue_one_pair()


def _queue_one_pair() -> None:
    """The tiny region leaves few borderline pairs; put the model's weakest link in the queue so the
    page shows a real pair with its real explanation."""
    import duckdb

    from jiancha.resolve.models import ReviewPair
    from jiancha.resolve.runs import edges_path, linkage_explanation

    if ReviewPair.objects.exists():
        return
    connection = duckdb.connect()
    result = connection.execute(
        f"SELECT * FROM read_parquet('{edges_path('person')}') "
        "ORDER BY match_probability, record_key_l, record_key_r LIMIT 1"
    )
    names = [column[0] for column in result.description or []]
    pair = dict(zip(names, result.fetchone() or (), strict=True))
    connection.close()
    ReviewPair.objects.create(
        kind="person",
        left_key=pair["record_key_l"],
        right_key=pair["record_key_r"],
        probability=pair["match_probability"],
        left={"name": "甲", "feed": "payroll", "file": "payroll.csv", "row": 2},
        right={"name": "乙", "feed": "population", "file": "residents.csv", "row": 3},
        explanation=linkage_explanation("person", pair),
    )


def _subject() -> str:
    from jiancha.pool.reader import rows

    # A parent with a company: family, shareholding and post edges around them.
    found = rows(
        "SELECT f.relative AS id FROM Family f JOIN Ownership o ON o.owner = f.relative "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ) or rows("SELECT relative AS id FROM Family ORDER BY 1 LIMIT 1")
    return str(found[0]["id"])


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_analyst_draws_a_relation_graph_and_reviews_matches(page, live_server, resolved, artifacts, language):
    subject = _subject()
    sign_in(page, live_server.url, "analyst", language)
    page.goto(f"{live_server.url}/resolve/graph/")
    page.fill("#id_subject", subject)
    page.fill("#id_purpose", "分析任务 T-3 关系核查" if language == "zh-hans" else "analysis task T-3")
    page.click("button.primary")
    page.wait_for_selector("[data-testid=graph-svg]")
    assert page.locator("[data-testid=graph-node]").count() >= 2
    assert "*" in page.locator("[data-testid=parties]").inner_text()  # IDs masked for an analyst
    page.screenshot(path=str(artifacts / f"resolve-graph-{language}.png"), full_page=True)
    page.locator("[data-testid=graph-node]").first.click()
    page.wait_for_selector("[data-testid=profile-title]")

    page.goto(f"{live_server.url}/resolve/review/")
    page.wait_for_selector("[data-testid=review-pair], [data-testid=queue-empty]")
    page.screenshot(path=str(artifacts / f"resolve-review-{language}.png"), full_page=True)
    if page.locator("[data-testid=review-pair]").count():
        before = page.locator("[data-testid=review-pair]").count()
        form = page.locator("[data-testid=decide-form]").first
        form.locator("select").select_option("reject")
        form.locator("input[name=reason]").fill(
            "出生日期不同，非同一人" if language == "zh-hans" else "different people"
        )
        form.locator("button").click()
        page.wait_for_selector("[data-testid=review-pair], [data-testid=queue-empty]")
        assert page.locator("[data-testid=review-pair]").count() == before - 1
