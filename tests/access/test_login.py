import pytest
from axes.models import AccessAttempt, AccessLog
from django.urls import reverse

from ..factories import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post(reverse("access:login"), {"username": username, "password": password})


def test_login_and_logout(client, demo_region):
    response = login(client, "analyst", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert 'data-role="analyst"' in client.get("/").content.decode()
    client.post(reverse("access:logout"))
    assert 'data-testid="public-home"' in client.get("/").content.decode()


def test_wrong_password_shows_an_error_in_chinese(client, demo_region):
    response = login(client, "analyst", "wrong")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()


def test_five_failures_lock_the_account_even_with_the_right_password(client, demo_region, caplog):
    for _attempt in range(5):
        login(client, "analyst", "wrong")
    response = login(client, "analyst", DEMO_PASSWORD)
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()
    assert AccessAttempt.objects.get(username="analyst").failures_since_start >= 5
    # Another account is not affected.
    assert login(client, "reviewer", DEMO_PASSWORD).status_code == 302
    assert AccessLog.objects.filter(username="reviewer").exists()


def test_lockout_is_logged_for_the_security_officer(client, demo_region, caplog):
    from jiancha.access.models import DeniedRequest

    caplog.set_level("WARNING", logger="jiancha.access")
    for _attempt in range(5):
        login(client, "analyst", "wrong")
    assert any("'analyst' locked out" in record.getMessage() for record in caplog.records)
    lock = DeniedRequest.objects.get(username="analyst")
    assert "locked" in lock.reason
    client.post(reverse("access:login"), {"username": "security_officer", "password": DEMO_PASSWORD})
    assert (
        "account locked after 5 failed sign-ins"
        in client.get(reverse("access:denied_requests")).content.decode()
    )
