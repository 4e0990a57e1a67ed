"""Identifiers as departments hold them: resident IDs (居民身份证号码) and USCCs (统一社会信用代码).

Check characters come from :mod:`jiancha.identifiers` so that generator and validator cannot drift.
Deliberately broken variants are made here too; every one is listed in the manifest.
"""

from __future__ import annotations

import datetime as dt
import random

from jiancha.identifiers import USCC_ALPHABET, resident_id_check_char, uscc_check_char

# GB 11714 organisation code (组织机构代码) weights; the USCC keeps the old code in positions 9-17.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Registration authority + type (登记管理部门代码 + 机构类别代码) per kind of organisation.
USCC_PREFIX = {
    "organ": "11",  # 机构编制: 机关
    "institution": "12",  # 机构编制: 事业单位
    "social_organisation": "51",  # 民政: 社会团体
    "village_committee": "54",  # 基层群众性自治组织 (村委会)
    "residents_committee": "55",  # 基层群众性自治组织 (居委会)
    "company": "91",  # 工商: 企业
    "individual": "92",  # 工商: 个体工商户
    "cooperative": "93",  # 工商: 农民专业合作社
}


def resident_id(area: str, birth: dt.date, sequence: int) -> str:
    """An 18-character ID; ``sequence`` is 0-999 and its parity gives the sex (odd = male)."""
    body = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return body + resident_id_check_char(body)


def legacy_15(number: str) -> str:
    """The pre-1999 15-digit form (no century, no check character) of an 18-digit ID."""
    return number[:6] + number[8:17]


def organisation_code(serial: int) -> str:
    """A GB 11714 organisation code: 8 digits and a check character (digit or X)."""
    body = f"{serial:08d}"
    total = sum(int(char) * weight for char, weight in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc(kind: str, area: str, serial: int) -> str:
    """A valid USCC for an organisation of ``kind`` (see USCC_PREFIX) registered in ``area``."""
    body = USCC_PREFIX[kind] + area + organisation_code(serial)
    return body + uscc_check_char(body)


def broken_resident_id(number: str, rng: random.Random) -> tuple[str, str]:
    """A plausible-looking but invalid variant and why it fails (a clerk's typing error)."""
    choice = rng.randrange(3)
    if choice == 0:
        wrong = [char for char in "0123456789X" if char != number[17]]
        return number[:17] + rng.choice(wrong), "checksum"
    if choice == 1:
        # Two adjacent digits swapped in the sequence: the check character no longer matches.
        swapped = number[:14] + number[15] + number[14] + number[16:]
        if resident_id_check_char(swapped[:17]) != swapped[17]:
            return swapped, "checksum"
        return number[:17] + ("0" if number[17] != "0" else "1"), "checksum"
    return number[:16], "length"


def broken_uscc(code: str, rng: random.Random) -> tuple[str, str]:
    """An invalid variant of a USCC: a wrong check character or a letter outside the alphabet."""
    if rng.random() < 0.5:
        wrong = [char for char in USCC_ALPHABET if char != code[17]]
        return code[:17] + rng.choice(wrong), "checksum"
    # The letter O typed for zero is the commonest slip; O is not in the USCC alphabet.
    position = next((i for i in range(8, 17) if code[i] == "0"), 10)
    return code[:position] + "O" + code[position + 1 :], "format"
