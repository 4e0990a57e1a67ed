"""Receipt codes (查询码): 20 random digits, shown once, stored only as a slow, peppered hash.

The hash is scrypt over the code with a pepper kept in a file (keys.receipt_pepper), so the same code
always gives the same hash (it can be looked up by an index) and a stolen database alone gives nothing
to guess against. The cost is a setting (``INTAKE_RECEIPT_SCRYPT_N``, default 2^10: 1 MiB and about a
millisecond): raising it slows an attacker who has both the database and the pepper, and every
submission alike; each doubling halves the reports a core can take (bench/intake.py measures it).
With 10^20 codes and the pepper outside the database, the pepper is the main defence and the cost
a second one.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from django.conf import settings

from .keys import receipt_pepper

DIGITS = 20  # 10^20 codes; the issue asks for at least 16


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(DIGITS))


_DASHES = "-‐‑‒–—―−﹣－"


def normalise(code: str) -> str:
    """What a person types: full-width digits (NFKC), and spaces and dashes between groups, allowed."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", code) if not ch.isspace() and ch not in _DASHES)


def well_formed(code: str) -> bool:
    """A normalised code: exactly ``DIGITS`` ASCII digits (``isdigit`` alone takes other scripts)."""
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def receipt_hash(code: str) -> str:
    n = int(getattr(settings, "INTAKE_RECEIPT_SCRYPT_N", 2**10))
    return hashlib.scrypt(
        normalise(code).encode(), salt=receipt_pepper(), n=n, r=8, p=1, maxmem=256 * 1024 * 1024, dklen=32
    ).hex()


def grouped(code: str) -> str:
    """The code as shown once to the reporter: groups of four digits."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
