"""Risk scores (风险评分): weights as shown, ranks, region scope, masking, and who may see them."""

from __future__ import annotations

import datetime as dt

import pytest

from jiancha.access.models import User
from jiancha.access.services import assign_role
from jiancha.detect import risk
from jiancha.detect.risk import RiskSettings
from jiancha.orgs.models import Division, Unit
from jiancha.pool.services import mask_id_number
from jiancha.synth.ids import resident_id, uscc

from ..factories import make_user
from . import builders as b

pytestmark = pytest.mark.django_db

P1 = resident_id("331202", dt.date(1975, 3, 4), 11)
P2 = resident_id("331202", dt.date(1982, 7, 9), 22)
P3 = resident_id("331221", dt.date(1969, 1, 2), 33)
P4 = resident_id("331221", dt.date(1971, 1, 2), 44)
CONFIG = RiskSettings(
    cap=2.0,
    severity_weights={"high": 1.0, "medium": 0.5, "low": 0.25},
    indicator_weights={"R036": 2.0},
    top=10,
)


@pytest.fixture
def scene(demo_region):
    """P1 and unit U1 in the district's own level, P2 and U2 in a street of it, P3 and U3 in a county."""
    div = {code: Division.objects.get(code=code) for code in ("331202000000", "331202001000", "331221000000")}
    u1 = Unit.objects.create(name="测试一局", unit_type="government_department", division=div["331202000000"],
                             uscc=uscc("organ", "331202", 9001))  # fmt: skip
    u2 = Unit.objects.create(name="测试二校", unit_type="school", division=div["331202001000"])
    u3 = Unit.objects.create(name="测试三院", unit_type="hospital", division=div["331221000000"])
    supplier = b.company(uscc("company", "331202", 9002), "供应商")
    # P1: R018 twice (counts once, at its strongest) and R028 at medium severity.
    b.alert("R018", score=80, entities=[b.person(P1, "张一"), supplier], unit=u1)
    b.alert("R018", score=60, entities=[b.person(P1, "张一")], unit=u1)
    b.alert(
        "R028",
        score=60,
        severity="medium",
        entities=[b.person(P1, "张一"), b.person(P1, "张一", "relative")],
        unit=u1,
    )
    # P2: R036 has its own weight (2.0) whatever its severity; with R058 the sum passes the cap.
    b.alert("R036", score=80, severity="low", entities=[b.person(P2, "李二")], unit=u2)
    b.alert("R058", score=100, entities=[b.person(P2, "李二")], unit=u2)
    # P3 elsewhere.
    b.alert("R018", score=100, entities=[b.person(P3, "王三")], unit=u3)
    return {"units": (u1, u2, u3), "divisions": div}


def analyst() -> User:
    return User.objects.get(username="analyst")


def test_scores_apply_the_weights_once_per_indicator_and_the_cap(scene):
    persons, total = risk.ranked("person", risk.region_alerts(analyst(), None), config=CONFIG,
                                 full_identifiers=True)  # fmt: skip
    assert total == 3
    assert [(p.key, p.score, p.raw) for p in persons] == [
        (P2, 2.0, 2.6),  # 2.0 × 0.8 + 1.0 × 1.0, capped
        (P1, 1.1, 1.1),  # 1.0 × 0.8 (R018's stronger alert) + 0.5 × 0.6
        (P3, 1.0, 1.0),
    ]
    assert [p.rank for p in persons] == [1, 2, 3]
    p1 = persons[1]
    assert (p1.name, p1.indicators, p1.alerts) == ("张一", 2, 3)  # named twice in one alert: one alert
    assert [(c.code, c.points, c.alerts) for c in p1.contributions] == [("R018", 0.8, 2), ("R028", 0.3, 1)]

    # Equal scores share a rank.
    b.alert("R018", score=100, entities=[b.person(P4, "赵四")], unit=scene["units"][2])
    tied, _ = risk.ranked("person", risk.region_alerts(analyst(), None), config=CONFIG)
    assert [(p.name, p.rank) for p in tied] == [("李二", 1), ("张一", 2), ("王三", 3), ("赵四", 3)]
    top, total = risk.ranked("person", risk.region_alerts(analyst(), None), config=CONFIG, limit=1)
    assert [p.name for p in top] == ["李二"] and total == 4

    units, total = risk.ranked("unit", risk.region_alerts(analyst(), None), config=CONFIG)
    u1, u2, u3 = scene["units"]
    assert total == 3
    assert [(u.name, u.score) for u in units] == [(u2.name, 2.0), (u1.name, 1.1), (u3.name, 1.0)]
    assert units[0].unit == u2


def test_the_shipped_weights_are_the_ones_the_page_shows(scene, client):
    config = risk.settings()
    weights = {w.code: w for w in risk.weights("en")}
    assert (
        weights["COLLUSION_SCORE"].own
        and weights["COLLUSION_SCORE"].weight == config.indicator_weights["COLLUSION_SCORE"]
    )
    assert weights["R028"].weight == config.severity_weights["high"] and not weights["R028"].own
    persons, _total = risk.ranked("person", risk.region_alerts(analyst(), None))
    # R028 is recorded at medium severity here: the alert's severity gives its weight.
    expected_p1 = 0.8 * config.severity_weights["high"] + 0.6 * config.severity_weights["medium"]
    assert next(p for p in persons if p.name == "张一").raw == pytest.approx(expected_p1)

    User.objects.filter(username="analyst").update(language="en")
    client.force_login(analyst())
    text = client.get("/detect/risk/").content.decode()
    assert "leads to check, never findings" in text
    assert f"score = min({config.cap}" in text
    assert 'data-testid="risk-weights"' in text and "COLLUSION_SCORE" in text


def test_a_reader_ranks_only_within_their_subtree(scene, client):
    outsider = make_user("analyst_county", "analyst", "331221000000")
    persons, _ = risk.ranked("person", risk.region_alerts(outsider, None), config=CONFIG)
    assert [p.name for p in persons] == ["王三"]
    district = scene["divisions"]["331202000000"]
    persons, _ = risk.ranked("person", risk.region_alerts(analyst(), district), config=CONFIG)
    assert [p.name for p in persons] == ["李二", "张一"]
    street = scene["divisions"]["331202001000"]
    units, _ = risk.ranked("unit", risk.region_alerts(analyst(), street), config=CONFIG)
    assert [u.name for u in units] == ["测试二校"]

    client.force_login(outsider)
    text = client.get("/detect/risk/").content.decode()
    assert "王三" in text and "张一" not in text and "测试二校" not in text
    assert client.get("/detect/risk/?region=331202000000").status_code == 403  # not their subtree
    client.force_login(analyst())
    text = client.get("/detect/risk/?region=331202001000").content.decode()
    assert "李二" in text and "张一" not in text and "王三" not in text


def test_resident_ids_are_masked_unless_the_role_sees_them(scene, client):
    client.force_login(analyst())
    text = client.get("/detect/risk/").content.decode()
    assert P1 not in text and P2 not in text and mask_id_number(P1) in text
    full = make_user("analyst_investigator", "analyst")
    assign_role(full, "investigator")
    client.force_login(full)
    text = client.get("/detect/risk/").content.decode()
    assert P1 in text and f"?entity={P1}" in text


def test_users_without_the_right_are_refused(scene, client):
    assert client.get("/detect/risk/").status_code == 302  # to the login page
    client.force_login(User.objects.get(username="investigator"))
    assert client.get("/detect/risk/").status_code == 403
    client.force_login(User.objects.get(username="approver"))
    assert client.get("/detect/risk/").status_code == 403  # names persons: analysts only
    nowhere = make_user("analyst_nowhere", "analyst", None)
    client.force_login(nowhere)
    assert client.get("/detect/risk/").status_code == 403


def test_bad_settings_are_refused(tmp_path):
    path = tmp_path / "_risk.yaml"
    path.write_text("cap: 5\nseverity_weights: {high: 1}\n", encoding="utf-8")
    with pytest.raises(risk.RiskSettingsError, match="each severity"):
        risk.load_settings(path)
    path.write_text("cap: x\n", encoding="utf-8")
    with pytest.raises(risk.RiskSettingsError):
        risk.load_settings(path)
    assert risk.load_settings() == risk.settings()
