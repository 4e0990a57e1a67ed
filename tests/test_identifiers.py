import datetime as dt

import pytest

from jiancha.identifiers import (
    IdentifierError,
    convert_15_to_18,
    is_valid_resident_id,
    is_valid_uscc,
    parse_resident_id,
    resident_id_check_char,
    uscc_check_char,
    validate_uscc,
)

# The GB 11643 worked example and a USCC with a letter in position 1 that python-stdnum rejects.
KNOWN_RESIDENT_ID = "11010519491231002X"
KNOWN_USCC = "91350100M000100Y43"


def test_resident_id_known_example_parses():
    parsed = parse_resident_id(KNOWN_RESIDENT_ID)
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.area_code == "110105"
    assert parsed.is_male is False


def test_resident_id_lowercase_x_and_fullwidth_are_folded():
    assert is_valid_resident_id(KNOWN_RESIDENT_ID.lower())
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in KNOWN_RESIDENT_ID)
    assert parse_resident_id(f"  {fullwidth} ").number == KNOWN_RESIDENT_ID


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("11010519491231002", "length"),
        ("1101051949123100X2", "format"),
        ("110105194902300021", "birth_date"),  # 30 February
        ("110105194912310021", "checksum"),
        ("110105290012310025", "birth_date"),  # born in the future
    ],
)
def test_resident_id_hard_checks(number, code):
    with pytest.raises(IdentifierError) as error:
        parse_resident_id(number, today=dt.date(2026, 1, 1))
    assert error.value.code == code


def test_fifteen_digit_id_converts_to_valid_eighteen():
    converted = convert_15_to_18("110105491231002")
    assert converted == "11010519491231002X"
    assert is_valid_resident_id("110105491231002")


def test_every_check_character_is_reachable():
    seen = {resident_id_check_char(f"1101051990010100{d}") for d in range(10)}
    seen |= {resident_id_check_char(f"110105199001010{d}0") for d in range(10)}
    assert "X" in seen and len(seen) > 5


def test_uscc_with_letter_in_first_position_is_valid():
    assert validate_uscc(KNOWN_USCC) == KNOWN_USCC
    body = "N2110105MA0000001"[:17]
    assert is_valid_uscc(body + uscc_check_char(body))


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100YI3", "format"),  # I is not in the alphabet
        ("91350100M000100Y44", "checksum"),
        ("9135A100M000100Y43", "division"),
    ],
)
def test_uscc_hard_checks(code, reason):
    with pytest.raises(IdentifierError) as error:
        validate_uscc(code)
    assert error.value.code == reason


def test_uscc_check_char_zero_case():
    # (31 - 0) % 31 == 0 must map to "0", not out of range.
    body = "00000000000000000"
    assert uscc_check_char(body) == "0"
