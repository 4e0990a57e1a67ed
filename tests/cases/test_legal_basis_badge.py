"""Legal bases from the rules data show their "[unconfirmed]" markers as a badge in the reader's language."""

import pytest
from django.utils import translation

from jiancha.cases.templatetags.cases_tags import legal_basis

from .conftest import new_lead, step


@pytest.mark.parametrize(
    ("language", "badge"), [("zh-hans", "条文序号待核实"), ("en", "article number unconfirmed")]
)
def test_the_marker_becomes_a_badge_and_the_citation_stays(language, badge):
    with translation.override(language):
        html = legal_basis("监察法(2024修正) 处置条款 [unconfirmed: article number]; 公职人员政务处分法")
    assert "[unconfirmed" not in html
    assert html.startswith('监察法(2024修正) 处置条款 <span class="badge unconfirmed"')
    assert f">{badge}</span>; 公职人员政务处分法" in html


def test_a_citation_without_marker_is_escaped_and_left_alone():
    assert legal_basis("刑事诉讼法 第一百七十条 <b>") == "刑事诉讼法 第一百七十条 &lt;b&gt;"
    with translation.override("zh-hans"):
        assert "引用待核实" in legal_basis("监督执纪工作规则 第二十一条 [unconfirmed]")


@pytest.mark.django_db
def test_the_lead_timeline_in_chinese_has_no_english_marker(client, staff):
    lead = new_lead(staff)
    step(lead, "dispose_preliminary_verification", staff.lead_manager)
    client.force_login(staff.lead_manager)
    page = client.get(f"/cases/leads/{lead.pk}/").content.decode()
    assert "[unconfirmed" not in page
    assert "条文序号待核实" in page
