"""Validators for Chinese identifiers: resident ID (居民身份证号码, GB 11643) and Unified Social
Credit Code (统一社会信用代码, GB 32100).

Our own code rather than python-stdnum, which rejects valid USCCs with a letter in position 1
(see ../shared/DOMAIN.md §5). Each validator raises :class:`IdentifierError` with a reason code and a
human-readable message; ``is_valid_*`` wrap them for boolean use.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

RESIDENT_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
RESIDENT_ID_CHECK_VALUES = "10X98765432"

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUE = {char: index for index, char in enumerate(USCC_ALPHABET)}

_RESIDENT_ID_18 = re.compile(r"^\d{17}[\dX]$")
_RESIDENT_ID_15 = re.compile(r"^\d{15}$")


class IdentifierError(ValueError):
    """An identifier failed a hard check. ``code`` is stable for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ResidentId:
    """A parsed resident ID (居民身份证号码)."""

    number: str
    area_code: str  # 行政区划代码 (6 digits; a soft check only)
    birth_date: dt.date
    sequence: str  # 顺序码
    is_male: bool


def resident_id_check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character (校验码) for the first 17 digits."""
    if len(first17) != 17 or not first17.isdigit():
        raise IdentifierError("format", str(_("a resident ID body is 17 digits")))
    total = sum(int(digit) * weight for digit, weight in zip(first17, RESIDENT_ID_WEIGHTS, strict=True))
    return RESIDENT_ID_CHECK_VALUES[total % 11]


def normalize_resident_id(raw: str) -> str:
    """Trim, fold full-width digits and a lower-case x, and convert a legacy 15-digit ID to 18."""
    text = raw.strip().translate(_FULLWIDTH).replace(" ", "").upper()
    if _RESIDENT_ID_15.match(text):
        return convert_15_to_18(text)
    return text


def convert_15_to_18(old: str) -> str:
    """Legacy 15-digit IDs (before 1999) omit the century (always 19) and the check character."""
    if not _RESIDENT_ID_15.match(old):
        raise IdentifierError("format", str(_("a legacy resident ID is 15 digits")))
    body = old[:6] + "19" + old[6:]
    return body + resident_id_check_char(body)


def parse_resident_id(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate length, characters, real birth date and checksum; return the parsed parts."""
    number = normalize_resident_id(raw)
    if len(number) != 18:
        raise IdentifierError(
            "length", str(_("a resident ID has 18 characters, this one has %(n)d")) % {"n": len(number)}
        )
    if not _RESIDENT_ID_18.match(number):
        raise IdentifierError("format", str(_("a resident ID is 17 digits followed by a digit or X")))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdentifierError(
            "birth_date",
            str(_("the birth date %(d)s in the resident ID does not exist")) % {"d": number[6:14]},
        ) from None
    limit = today or dt.date.today()
    if birth > limit or birth.year < 1850:
        raise IdentifierError(
            "birth_date",
            str(_("the birth date %(d)s in the resident ID is out of range")) % {"d": number[6:14]},
        )
    if resident_id_check_char(number[:17]) != number[17]:
        raise IdentifierError("checksum", str(_("the resident ID check character does not match")))
    return ResidentId(
        number=number,
        area_code=number[:6],
        birth_date=birth,
        sequence=number[14:17],
        is_male=int(number[16]) % 2 == 1,
    )


def is_valid_resident_id(raw: str) -> bool:
    try:
        parse_resident_id(raw)
    except IdentifierError:
        return False
    return True


def uscc_check_char(first17: str) -> str:
    """GB 32100 check character for the first 17 characters."""
    if len(first17) != 17 or any(char not in _USCC_VALUE for char in first17):
        raise IdentifierError("format", str(_("a USCC body is 17 characters from the code alphabet")))
    total = sum(_USCC_VALUE[char] * weight for char, weight in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_uscc(raw: str) -> str:
    return raw.strip().translate(_FULLWIDTH).replace(" ", "").upper()


def validate_uscc(raw: str) -> str:
    """Validate a Unified Social Credit Code; return it normalised."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise IdentifierError(
            "length", str(_("a USCC has 18 characters, this one has %(n)d")) % {"n": len(code)}
        )
    bad = [char for char in code if char not in _USCC_VALUE]
    if bad:
        raise IdentifierError(
            "format", str(_("a USCC may not contain %(c)s")) % {"c": "".join(sorted(set(bad)))}
        )
    if not code[2:8].isdigit():
        raise IdentifierError("division", str(_("positions 3-8 of a USCC are a division code of six digits")))
    if uscc_check_char(code[:17]) != code[17]:
        raise IdentifierError("checksum", str(_("the USCC check character does not match")))
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        validate_uscc(raw)
    except IdentifierError:
        return False
    return True


# Full-width digits and letters (０-９, Ａ-Ｚ, ａ-ｚ) as departments' Excel files often carry them.
_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
