"""Django settings for Jiancha (监察).

One place for every setting. Values come from the environment so that the same code runs as the
embedded demo (SQLite under ``JIANCHA_DATA_DIR``) and in production (PostgreSQL via ``DATABASE_URL``).
See docs/deployment.md for each variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DATA_DIR = Path(os.environ.get("JIANCHA_DATA_DIR", BASE_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

# "production" (the default) or "demo": the demo serves plain HTTP on the loopback address, so its
# cookies cannot be marked Secure. Nothing else differs.
DEPLOYMENT = os.environ.get("JIANCHA_DEPLOYMENT", "production")
DEBUG = _env_flag("JIANCHA_DEBUG", False)


def _secret_key() -> str:
    from_env = os.environ.get("JIANCHA_SECRET_KEY")
    if from_env:
        return from_env
    # Generated once and kept beside the data, so restarts keep sessions valid without an operator
    # ever having to invent a key.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = _env_list("JIANCHA_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = _env_list("JIANCHA_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "jiancha",
    "jiancha.orgs",
    "jiancha.ledger",
    "jiancha.access",
    "jiancha.synth",
    "jiancha.pool",
    "jiancha.cases",
    "jiancha.subjects",
    "jiancha.resolve",
    "jiancha.intake",
    "jiancha.detect",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which reads the whole body: oversized intake uploads get 413 unread.
    "jiancha.intake.middleware.IntakeBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication, so that a signed-in user's saved language applies (see the module).
    "jiancha.access.middleware.LanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes requires, so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiancha.urls"
WSGI_APPLICATION = "jiancha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- databases ----------------------------------------------------------------------------------
# SQLite in WAL mode is the embedded default; DATABASE_URL (postgres://...) selects PostgreSQL.
SQLITE_PATH = DATA_DIR / "jiancha.sqlite3"
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {
                # WAL lets readers go on while one writer commits; IMMEDIATE avoids the
                # "database is locked" upgrade deadlock between two writers.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "access.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "access:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "access:login"

# --- account lockout (django-axes) ------------------------------------------------------------------
AXES_FAILURE_LIMIT = int(os.environ.get("JIANCHA_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("JIANCHA_LOCKOUT_HOURS", "0.5"))  # hours
# Lock the account, whatever address the attempts come from: a guessing attack spread over many
# addresses must still stop.
# Not by address as well: a commission's staff sit behind one office NAT address, and five typos
# across the office must not lock everyone out. axes.W006 warns of exactly this choice.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "access/locked.html"
AXES_VERBOSE = False

# --- internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
# Each language is named in itself, as a language switcher should show it.
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "jiancha_language"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static files -----------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise warns on every request when it is missing
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- security ---------------------------------------------------------------------------------------
HTTPS = _env_flag("JIANCHA_HTTPS", DEPLOYMENT != "demo")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("JIANCHA_SESSION_SECONDS", str(8 * 3600)))
CSRF_COOKIE_HTTPONLY = True
if HTTPS:
    # TLS ends at the reverse proxy, which must set X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_flag("JIANCHA_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("JIANCHA_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: own origin only. No third-party origin appears anywhere; these systems run
# on isolated networks and nothing may be fetched from outside.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- logging ----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "jiancha": {"handlers": ["console"], "level": os.environ.get("JIANCHA_LOG_LEVEL", "INFO")},
        "axes": {"handlers": ["console"], "level": "WARNING"},
    },
}

# --- Jiancha ---------------------------------------------------------------------------------------
# The supervising body that runs this installation; names the ledger's origin line.
JIANCHA_ORIGIN = os.environ.get("JIANCHA_ORIGIN", "jiancha.example/demo-province-commission")

# The pool's read cache (jiancha/pool/cache.py), one DuckDB file per snapshot: "background" builds it
# in a thread of the first reader to miss it (readers use views over the snapshot's Parquet files
# meanwhile), "sync" builds it before answering, "off" never uses it.
JIANCHA_POOL_CACHE = os.environ.get("JIANCHA_POOL_CACHE", "background")
# DuckDB memory of the cache build (past it, the sort spills to disk) and of each reading process.
POOL_CACHE_MEMORY_LIMIT = os.environ.get("JIANCHA_POOL_CACHE_MEMORY", "1GB")
POOL_READER_MEMORY_LIMIT = os.environ.get("JIANCHA_POOL_READER_MEMORY", "1GB")

# Memory DuckDB may take for a batch job's working set (entity resolution) before it spills to disk
# beside the pool, in DuckDB's notation ("6GB"). Empty: DuckDB's own default, 80 % of the machine.
# Set it where the web server and batch jobs share one machine.
BATCH_MEMORY_LIMIT = os.environ.get("JIANCHA_BATCH_MEMORY_LIMIT", "")

# --- report intake (docs/intake.md) -------------------------------------------------------------------
# Reports not accepted are deleted this many days after the decision (with a ledger event).
INTAKE_RETENTION_DAYS = int(os.environ.get("JIANCHA_INTAKE_RETENTION_DAYS", "365"))
# Proof of work on the public form, in leading zero bits of SHA-256 (0 turns it off, as the bench does).
INTAKE_POW_BITS = int(os.environ.get("JIANCHA_INTAKE_POW_BITS", "18"))
# scrypt cost of the receipt-code hash (a power of two). 2^10 (1 MiB per hash): a code has 10^20
# values and the pepper lives outside the database, so the cost is a second defence; at 2^12 the
# public form falls short of 100 reports/s on 2 cores (docs/benchmarks.md, "Report intake").
INTAKE_RECEIPT_SCRYPT_N = int(os.environ.get("JIANCHA_INTAKE_RECEIPT_SCRYPT_N", str(2**10)))
# Public-form limits per client address (kept only as a daily keyed hash in the cache).
INTAKE_SUBMIT_PER_HOUR = int(os.environ.get("JIANCHA_INTAKE_SUBMIT_PER_HOUR", "20"))
INTAKE_LOOKUPS_PER_15_MIN = int(os.environ.get("JIANCHA_INTAKE_LOOKUPS_PER_15_MIN", "10"))
INTAKE_MAX_ATTACHMENT_BYTES = int(
    os.environ.get("JIANCHA_INTAKE_MAX_ATTACHMENT_BYTES", str(10 * 1024 * 1024))
)
INTAKE_MAX_ATTACHMENTS = 5
# What a reporter may add to one report with its receipt code over time (files, and their total size).
INTAKE_MAX_FILES_PER_REPORT = int(os.environ.get("JIANCHA_INTAKE_MAX_FILES_PER_REPORT", "20"))
INTAKE_MAX_BYTES_PER_REPORT = int(
    os.environ.get("JIANCHA_INTAKE_MAX_BYTES_PER_REPORT", str(100 * 1024 * 1024))
)
INTAKE_MAX_IMAGE_PIXELS = int(os.environ.get("JIANCHA_INTAKE_MAX_IMAGE_PIXELS", "40000000"))
# Reverse proxies (addresses or networks) whose X-Forwarded-For is believed for the rate limits.
JIANCHA_TRUSTED_PROXIES = _env_list("JIANCHA_TRUSTED_PROXIES", [])
# The WeChat official account's token (公众号服务器配置 Token) and the commission it forwards to.
INTAKE_WECHAT_TOKEN = os.environ.get("JIANCHA_WECHAT_TOKEN", "")
INTAKE_WECHAT_DIVISION = os.environ.get("JIANCHA_WECHAT_DIVISION", "")

# Registry of supervised persons (jiancha.subjects): changes are listed for confirmation monthly by
# default; the registry-scope target (150%) is measured against the registry on the pilot's first day.
SUBJECTS_CADENCE_DAYS = int(os.environ.get("JIANCHA_SUBJECTS_CADENCE_DAYS", "30"))
SUBJECTS_PILOT_START = os.environ.get("JIANCHA_PILOT_START", "2025-01-01")
