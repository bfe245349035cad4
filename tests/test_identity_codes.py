"""Citizen ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from xinyong.identity.codes import (
    USCC_ALPHABET,
    CodeType,
    check_code,
    check_ric,
    check_uscc,
    clean,
    guess_code_type,
    org_code_check_character,
    ric_check_character,
    uscc_check_character,
)
from xinyong.identity.masking import mask_code, mask_person_name, mask_ric


@pytest.mark.parametrize("number", ["11010519491231002X", "360426199101010071"])
def test_standard_examples_are_valid(number: str) -> None:
    assert check_ric(number).valid


def test_bad_checksum_names_the_right_character() -> None:
    result = check_ric("36042619910102009X")
    assert not result.valid
    assert result.errors[0].code == "checksum"
    assert result.errors[0].message == "校验位错误，应为 3"


def test_impossible_birth_date_is_rejected() -> None:
    result = check_ric("360426199113010079")
    assert [e.code for e in result.errors] == ["birth_date"]


def test_future_birth_date_is_rejected() -> None:
    body = "11010520990101001"
    result = check_ric(body + ric_check_character(body), today=date(2026, 11, 21))
    assert [e.code for e in result.errors] == ["birth_date"]


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002x",
        " 110105 19491231 002X ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105-19491231-002X",
    ],
)
def test_what_people_type_is_normalised(typed: str) -> None:
    result = check_ric(typed)
    assert result.valid
    assert result.normalised == "11010519491231002X"


def test_legacy_15_digit_number_is_upgraded_and_kept() -> None:
    result = check_ric("110105491231002")
    assert result.valid
    assert result.normalised == "11010519491231002X"
    assert result.upgraded_from == "110105491231002"
    assert result.birth_date == date(1949, 12, 31)
    assert result.sex == "F"


def test_unknown_address_code_is_a_warning_not_an_error() -> None:
    # 999999 is in no GB/T 2260 table; checksum and date are right, so the number is kept.
    body = "99999919900101123"
    result = check_ric(body + ric_check_character(body))
    assert result.valid
    assert [w.code for w in result.warnings] == ["address_code"]


@pytest.mark.parametrize("bad", ["", "1234", "11010519491231002Y", "1101051949123100XX"])
def test_malformed_numbers_are_errors(bad: str) -> None:
    assert not check_ric(bad).valid


def test_uscc_standard_examples() -> None:
    assert check_uscc("91110000600037341L").valid
    bad = check_uscc("91110000600037341N")
    assert [e.message for e in bad.errors] == ["校验位错误，应为 L"]


@pytest.mark.parametrize("authority", ["N", "Y", "A"])
def test_uscc_starting_with_a_letter_is_valid(authority: str) -> None:
    first17 = authority + "1440100" + "MA5CLXKN" + org_code_check_character("MA5CLXKN")
    code = first17 + uscc_check_character(first17)
    result = check_uscc(code)
    assert result.valid, result.errors


def test_uscc_forbidden_letters_are_named() -> None:
    result = check_uscc("91110000600037341O")
    assert result.errors[0].code == "format"
    assert "O" in result.errors[0].message


def test_uscc_lowercase_and_full_width_are_normalised() -> None:
    assert check_uscc("９１１１００００６０００３７３４１ｌ").normalised == "91110000600037341L"
    assert check_uscc("91110000600037341l").valid


def test_other_documents_check_characters_only() -> None:
    assert check_code(CodeType.PASSPORT, "e12345678").normalised == "E12345678"
    assert not check_code(CodeType.PASSPORT, "护照").valid


def test_guess_code_type() -> None:
    assert guess_code_type("11010519491231002X") is CodeType.RIC
    assert guess_code_type("110105491231002") is CodeType.RIC
    assert guess_code_type("91110000600037341L") is CodeType.USCC
    assert guess_code_type("E12345678") is CodeType.OTHER


def test_masking() -> None:
    assert mask_ric("11010519491231002X") == "1101**********002X"
    assert mask_code(CodeType.RIC, "11010519491231002x") == "1101**********002X"
    assert mask_code(CodeType.USCC, "91110000600037341L") == "91110000600037341L"
    assert mask_code(CodeType.PASSPORT, "E12345678") == "E1*****78"
    assert mask_person_name("张三丰") == "张**"
    assert mask_person_name("李") == "李*"


# Property tests: the checksums catch every single-character error.

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
birth_dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31))
addresses = st.sampled_from(["110105", "360426", "440106", "310115", "510107"])


@given(address=addresses, born=birth_dates, sequence=st.integers(0, 999))
def test_any_well_formed_ric_is_valid(address: str, born: date, sequence: int) -> None:
    body = f"{address}{born:%Y%m%d}{sequence:03d}"
    result = check_ric(body + ric_check_character(body))
    assert result.valid
    assert result.birth_date == born


@given(
    address=addresses,
    born=birth_dates,
    sequence=st.integers(0, 999),
    position=st.integers(0, 17),
    replacement=st.sampled_from("0123456789X"),
)
def test_any_single_substitution_in_a_ric_is_caught(
    address: str, born: date, sequence: int, position: int, replacement: str
) -> None:
    body = f"{address}{born:%Y%m%d}{sequence:03d}"
    number = body + ric_check_character(body)
    if number[position] == replacement or (replacement == "X" and position != 17):
        return
    changed = number[:position] + replacement + number[position + 1 :]
    assert not check_ric(changed).valid


@given(
    authority=st.sampled_from("123456789ANY"),
    kind=st.sampled_from("123459"),
    region=st.from_regex(r"\A[0-9]{6}\Z"),
    org=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
)
def test_any_well_formed_uscc_is_valid(authority: str, kind: str, region: str, org: str) -> None:
    first17 = authority + kind + region + org + org_code_check_character(org)
    result = check_uscc(first17 + uscc_check_character(first17))
    assert result.valid
    assert not result.warnings


@given(
    org=st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8),
    position=st.integers(0, 17),
    replacement=st.sampled_from(USCC_ALPHABET),
)
def test_any_single_substitution_in_a_uscc_is_caught(
    org: str, position: int, replacement: str
) -> None:
    first17 = "91440100" + org + org_code_check_character(org)
    code = first17 + uscc_check_character(first17)
    if code[position] == replacement:
        return
    changed = code[:position] + replacement + code[position + 1 :]
    assert not check_uscc(changed).valid


@given(st.text(max_size=40))
def test_checking_never_crashes_on_any_input(text: str) -> None:
    for code_type in CodeType:
        check_code(code_type, text)
    clean(text)


@given(
    ric_body=st.text(alphabet="0123456789", min_size=17, max_size=17),
    uscc_body=st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17),
)
def test_check_characters_agree_with_python_stdnum(ric_body: str, uscc_body: str) -> None:
    assert ric_check_character(ric_body) == str(stdnum_ric.calc_check_digit(ric_body + "0"))
    assert uscc_check_character(uscc_body) == str(stdnum_uscc.calc_check_digit(uscc_body + "0"))
