"""Settings for the test suite: the real settings, over plain HTTP and with fast password hashing.

Production's HTTPS defaults are checked against jiancha.settings itself, in fresh interpreters,
by test_settings.py.
"""

import os

# The test client and the browser tests' live server speak plain HTTP.
os.environ.setdefault("JIANCHA_HTTPS", "0")

from jiancha.settings import *  # noqa: F403

# Deliberately weak: the demo region hashes eleven passwords in every test that uses it.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Deterministic: a reader builds the pool's read cache before answering, and tests read through it.
JIANCHA_POOL_CACHE = os.environ.get("JIANCHA_POOL_CACHE", "sync")
