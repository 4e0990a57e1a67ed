"""The embedded default and the production defaults, checked in fresh interpreters."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from .conftest import REPO_ROOT

PROBE = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({
    "debug": settings.DEBUG, "engine": settings.DATABASES["default"]["ENGINE"],
    "name": str(settings.DATABASES["default"]["NAME"]), "secure_cookie": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE, "ssl_redirect": getattr(settings, "SECURE_SSL_REDIRECT", False),
    "hsts": getattr(settings, "SECURE_HSTS_SECONDS", 0), "frame": settings.X_FRAME_OPTIONS,
    "secret": settings.SECRET_KEY, "csp": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
}))
"""


def probe(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JIANCHA_", "DATABASE_URL"))}
    environment.update(
        {"DJANGO_SETTINGS_MODULE": "jiancha.settings", "JIANCHA_DATA_DIR": str(tmp_path)}, **env
    )
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_defaults_are_safe(tmp_path):
    values = probe(tmp_path)
    assert values["debug"] is False
    assert values["secure_cookie"] and values["csrf_secure"] and values["ssl_redirect"]
    assert values["hsts"] >= 31536000
    assert values["frame"] == "DENY"
    for directive, sources in values["csp"].items():
        assert all(s.startswith("'") or s in {"data:"} for s in sources), (directive, sources)


def test_demo_serves_plain_http_on_loopback(tmp_path):
    values = probe(tmp_path, JIANCHA_DEPLOYMENT="demo")
    assert values["secure_cookie"] is False and values["ssl_redirect"] is False


def test_sqlite_under_the_data_dir_and_a_secret_generated_once(tmp_path):
    first = probe(tmp_path)
    assert first["engine"] == "django.db.backends.sqlite3"
    assert first["name"] == str(tmp_path / "jiancha.sqlite3")
    key_file = tmp_path / "secret_key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert probe(tmp_path)["secret"] == first["secret"] == key_file.read_text().strip()
    assert probe(tmp_path, JIANCHA_SECRET_KEY="from-env")["secret"] == "from-env"


def test_database_url_selects_postgresql(tmp_path):
    values = probe(tmp_path, DATABASE_URL="postgres://u@db.internal:5432/jiancha")
    assert values["engine"] == "django.db.backends.postgresql" and values["name"] == "jiancha"


@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    if connection.settings_dict["NAME"] == ":memory:" or "mode=memory" in str(
        connection.settings_dict["NAME"]
    ):
        pytest.skip("the test database is in memory; WAL applies to the file database")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_wal_mode_on_the_file_database(tmp_path):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JIANCHA_", "DATABASE_URL"))}
    environment.update({"DJANGO_SETTINGS_MODULE": "jiancha.settings", "JIANCHA_DATA_DIR": str(tmp_path)})
    code = "import django; django.setup(); from django.db import connection; c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "wal"


def test_security_headers_on_every_page(client, db):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
