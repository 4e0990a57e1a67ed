"""Ethics review (算法伦理审查): rates by group, flags beyond the ratio with enough volume, exports, rights."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re

import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from jiancha.access.models import User
from jiancha.detect import fairness, fairness_export
from jiancha.orgs.models import Division
from jiancha.pool.importer import import_file

from ..factories import make_user
from . import builders as b

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def pool(tmp_path, monkeypatch, demo_region):
    monkeypatch.setenv("JIANCHA_POOL_DIR", str(tmp_path / "pool"))
    import_file("population", b.write_fairness_residents(tmp_path))
    return tmp_path


@pytest.fixture
def scene(pool):
    return b.fairness_alerts()


def config(**changes):
    return dataclasses.replace(fairness.settings(), **changes)


def nd(measure):
    return measure.numerator, measure.denominator


def table(review, code):
    return next(t for t in review.tables if t.code == code)


def group(review, code, key):
    return next(g for g in table(review, code).groups if g.key == key)


def test_rates_by_gender_age_region_and_unit_type(scene):
    review = fairness.review(Division.objects.get(code="331202000000"), as_of=AS_OF, config=config())
    gender = table(review, "gender")
    # 80 adult residents: the children and the one whose registration is cancelled are left out.
    assert nd(gender.overall["person_alert_rate"]) == (10, 80)
    men, women = group(review, "gender", "male"), group(review, "gender", "female")
    assert nd(men.measures["person_alert_rate"]) == (8, 40)
    assert men.measures["person_alert_rate"].ratio == pytest.approx(1.6)
    assert women.measures["person_alert_rate"].ratio == pytest.approx(0.4)
    # Confirmation: 4 of the men's 8 reviewed alerts, none of the women's 2.
    assert nd(men.measures["confirmation_rate"]) == (4, 8)
    assert gender.overall["confirmation_rate"].rate == pytest.approx(0.4)
    ages = {g.key: g for g in table(review, "age_band").groups}
    assert set(ages) == {"30", "40"}  # born 1990 (35) and 1980 (46)
    assert ages["40"].label == "40–49"
    assert ages["40"].measures["person_alert_rate"].rate == pytest.approx(0.2)
    # Regions: the district's streets, and its own level.
    regions = {g.key: g for g in table(review, "region").groups}
    assert regions["331202001"].label == "城东街道" and regions["331202000"].label.startswith("清河区")
    assert regions["331202001"].measures["person_alert_rate"].numerator == 8
    assert regions["331202002"].measures["person_alert_rate"].numerator == 2
    assert regions["331202001"].measures["confirmation_rate"].denominator == 8
    types = {g.key: g for g in table(review, "unit_type").groups}
    assert nd(types["school"].measures["unit_alert_rate"]) == (6, 12)
    assert nd(types["research"].measures["unit_alert_rate"]) == (1, 12)
    assert review.alerts == 11 and review.reviewed == 10 and review.confirmed == 4
    assert review.outside_register == 3  # the stranger, the cancelled registration, the child


def test_flags_need_the_ratio_and_the_volume(scene):
    region = Division.objects.get(code="331202000000")
    strict = fairness.review(region, as_of=AS_OF, config=config(min_population=41, min_reviewed=11))
    assert strict.flags() == []  # 40 per gender, 12 per unit type, 8 and 2 reviewed: all too few
    loose = fairness.review(region, as_of=AS_OF, config=config(min_population=12, min_reviewed=2))
    flags = {(t.code, g.key, code, m.flag) for t, g, code, m in loose.flags()}
    assert ("gender", "male", "person_alert_rate", "high") in flags
    assert ("gender", "female", "person_alert_rate", "low") in flags
    assert ("gender", "female", "confirmation_rate", "low") in flags  # 0 of 2 against 4 of 10
    assert ("unit_type", "school", "unit_alert_rate", "high") in flags
    assert ("unit_type", "research", "unit_alert_rate", "low") in flags
    # Men's confirmation rate is 0.5 against 0.4: ratio 1.25 is at the bound, so flagged; at 1.3 not.
    assert ("gender", "male", "confirmation_rate", "high") in flags
    wider = fairness.review(
        region, as_of=AS_OF, config=config(min_population=12, min_reviewed=2, ratio_high=1.3)
    )
    assert ("gender", "male", "confirmation_rate") not in {
        (t.code, g.key, c) for t, g, c, _m in wider.flags()
    }
    assert all(m.enough for _t, _g, _c, m in loose.flags())


def test_a_reviewer_sees_their_subtree_only(scene, client):
    client.force_login(User.objects.get(username="approver"))  # 分管领导 at the city
    text = client.get("/detect/fairness/").content.decode()
    assert 'data-testid="fairness-gender"' in text
    text = client.get("/detect/fairness/?region=331202000000").content.decode()
    assert "城东街道" in text
    county = make_user("analyst_county", "analyst", "331221000000")
    client.force_login(county)
    assert client.get("/detect/fairness/?region=331202000000").status_code == 403
    assert client.get("/detect/fairness/export.xlsx?region=331202000000").status_code == 403
    text = client.get("/detect/fairness/").content.decode()
    assert "城东街道" not in text and "梅城镇" in text


def test_users_without_the_right_are_refused(scene, client):
    assert client.get("/detect/fairness/").status_code == 302
    for username in ("investigator", "intake", "reviewer", "security_officer"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/detect/fairness/").status_code == 403, username
        assert client.get("/detect/fairness/export.pdf").status_code == 403, username
    client.force_login(User.objects.get(username="analyst"))
    assert client.get("/detect/fairness/export.doc").status_code == 404


def test_the_page_in_chinese_shows_the_figures_and_the_notice(scene, client, settings):
    client.force_login(User.objects.get(username="analyst"))
    text = client.get("/detect/fairness/?region=331202000000").content.decode()
    assert "算法伦理审查" in text and "不是对任何个人、单位或群体的认定" in text
    assert re.search(r'data-group="male".*?8 / 40.*?20\.0%.*?1\.60', text, re.S)


def test_xlsx_export_opens_with_the_figures(scene, client):
    User.objects.filter(username="analyst").update(language="en")
    client.force_login(User.objects.get(username="analyst"))
    response = client.get("/detect/fairness/export.xlsx?region=331202000000")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert "ethics-review-331202000000" in response["Content-Disposition"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    assert book.sheet_names[:2] == ["About", "Region"] and "Gender" in book.sheet_names
    gender = book.get_sheet_by_name("Gender").to_python()
    assert gender[0][0] == "Gender" and gender[0][1] == "Person alert rate: persons alerted"
    male = next(row for row in gender if row[0] == "male")
    assert male[1:5] == [8.0, 40.0, 0.2, pytest.approx(1.6)]
    overall = next(row for row in gender if row[0] == "Overall")
    assert overall[1:4] == [10.0, 80.0, 0.125]
    about = book.get_sheet_by_name("About").to_python()
    assert ["Alerts", 11.0] in [row[:2] for row in about]


def test_pdf_export_carries_the_chinese_text(scene, client):
    client.force_login(User.objects.get(username="approver"))  # Chinese, the default language
    response = client.get("/detect/fairness/export.pdf?region=331202000000")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # fpdf2 encodes the subset font with a two-byte CMap; pypdf reads those codes as single bytes
    # and puts a NUL before each character (the ToUnicode map itself is right), hence the cleaning.
    pages = PdfReader(io.BytesIO(response.content)).pages
    text = "".join("".join(page.extract_text().replace("\x00", "").split()) for page in pages)
    for expected in ("指标算法伦理审查：清河区", "性别", "男", "8/40", "20.0%", "1.60", "城东街道", "学校"):
        assert expected in text, expected


def test_pdf_export_without_a_font_says_what_to_install(scene, client, monkeypatch):
    fontless = config(pdf_fonts=(("/nonexistent.ttc", 0),))
    monkeypatch.setattr(fairness, "settings", lambda: fontless)
    client.force_login(User.objects.get(username="analyst"))
    response = client.get("/detect/fairness/export.pdf")
    assert response.status_code == 503 and "fonts-noto-cjk" in response.content.decode()
    with pytest.raises(fairness_export.PdfFontMissing):
        fairness_export.to_pdf(
            fairness.review(Division.objects.get(code="331202000000"), config=config(pdf_fonts=()))
        )


def test_bad_settings_are_refused(tmp_path):
    path = tmp_path / "_fairness.yaml"
    shipped = (fairness.INDICATOR_DIR / "_fairness.yaml").read_text(encoding="utf-8")
    path.write_text(shipped.replace("ratio_low: 0.8", "ratio_low: 1.1"), encoding="utf-8")
    with pytest.raises(fairness.FairnessSettingsError, match="ratio_low"):
        fairness.load_settings(path)
    path.write_text("ratio_high: 1.25\n", encoding="utf-8")
    with pytest.raises(fairness.FairnessSettingsError):
        fairness.load_settings(path)
