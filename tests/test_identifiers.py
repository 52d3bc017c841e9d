"""Resident IDs (GB 11643) and credit codes (GB 32100) held to values from outside fedcrm.

Expected values come from the standards' own examples, from check digits worked out by
hand in this file, from real published credit codes, and from `tests.reference_ids`, an
implementation of the published formulas that shares no code with the product.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc
from typer.testing import CliRunner

from node.cli.main import app
from node.customers.identifiers import (
    credit_code_check_digit,
    normalize_resident_id,
    normalize_uscc,
    resident_id_check_digit,
)
from node.settings import write_settings
from tests.factories import customer_payload, resident_id
from tests.reference_ids import ric_check, uscc_check

# GB 11643-1999, section 8.2 examples: 北京市朝阳区 and 广东省汕头市潮阳县.
STANDARD_EXAMPLES = ("11010519491231002X", "440524188001010014")

# Worked by hand, weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
# 430102 19500315 123: 4*7+3*9+0*10+1*5+0*8+2*4 +1*2+9*1+5*6+0*3+0*7+3*9+1*10+5*5
#   +1*8+2*4+3*2 = 28+27+0+5+0+8+2+9+30+0+0+27+10+25+8+8+6 = 193; 193 mod 11 = 6;
#   (12 - 6) mod 11 = 6 -> "6"
# 320102 19880808 456: 3*7+2*9+0+1*5+0+2*4 +1*2+9*1+8*6+8*3+0+8*9+0+8*5
#   +4*8+5*4+6*2 = 21+18+5+8+2+9+48+24+72+40+32+20+12 = 311; 311 mod 11 = 3; 12-3 = 9 -> "9"
# 430104 20000229 007: 4*7+3*9+0+1*5+0+4*4 +2*2+0+0+0+0+2*9+2*10+9*5
#   +0+0+7*2 = 28+27+5+16+4+18+20+45+14 = 177; 177 mod 11 = 1; 12-1 = 11 mod 11 = 0 -> "0"
# 110101 19700101 001: 1*7+1*9+0+1*5+0+1*4 +1*2+9*1+7*6+0+0+1*9+0+1*5
#   +0+0+1*2 = 7+9+5+4+2+9+42+9+5+2 = 94; 94 mod 11 = 6; 12-6 = 6 -> "6"
HAND_WORKED = (
    "430102195003151236",
    "320102198808084569",
    "430104200002290070",
    "110101197001010016",
)

# Real, published unified social credit codes (business licences).
REAL_CREDIT_CODES = (
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 北京小米科技有限责任公司
)


def _wrong(number: str) -> list[str]:
    return [number[:17] + c for c in "0123456789X" if c != number[17]]


@pytest.mark.parametrize("number", STANDARD_EXAMPLES + HAND_WORKED)
def test_real_resident_ids_are_accepted_and_every_other_check_character_refused(number):
    assert normalize_resident_id(number) == number
    assert normalize_resident_id(number.lower()) == number
    for wrong in _wrong(number):
        with pytest.raises(ValueError, match="check digit"):
            normalize_resident_id(wrong)


@pytest.mark.parametrize("number", STANDARD_EXAMPLES + HAND_WORKED)
def test_generator_check_digit_is_the_standards(number):
    assert resident_id_check_digit(number[:17]) == number[17]
    assert ric_check(number[:17]) == number[17]


def test_stdnum_contract_takes_the_whole_number():
    """Pinned: stdnum drops the last character itself; given 17 it checks only 16."""
    assert ric.calc_check_digit("11010519491231002X") == "X"
    assert ric.calc_check_digit("11010519491231002") != "X"
    assert uscc.calc_check_digit("91440300708461136") == "T"


_BORN = st.dates(min_value=date(1900, 1, 1), max_value=date.today() - timedelta(days=1))


@settings(max_examples=300, deadline=None)
@given(
    district=st.from_regex(r"[1-6][0-9]{5}", fullmatch=True),
    born=_BORN,
    serial=st.integers(0, 999),
)
def test_exactly_one_check_character_is_accepted_and_it_is_the_formulas(district, born, serial):
    body = f"{district}{born:%Y%m%d}{serial:03d}"
    accepted = []
    for check in "0123456789X":
        try:
            normalize_resident_id(body + check)
            accepted.append(check)
        except ValueError:
            pass
    assert accepted == [ric_check(body)]


def test_birth_date_must_be_real_and_past():
    body = "430102" + "20230230" + "123"  # 30 February
    with pytest.raises(ValueError, match="birth date"):
        normalize_resident_id(body + ric_check(body))
    future = f"430102{date.today() + timedelta(days=2):%Y%m%d}123"
    with pytest.raises(ValueError, match="future"):
        normalize_resident_id(future + ric_check(future))


@pytest.mark.parametrize("code", REAL_CREDIT_CODES)
def test_real_credit_codes_are_accepted_and_a_wrong_check_refused(code):
    assert normalize_uscc(code) == code
    assert credit_code_check_digit(code[:17]) == code[17] == uscc_check(code[:17])
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ValueError, match="credit code"):
        normalize_uscc(wrong)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=17, max_size=17))
def test_credit_code_check_is_the_formulas(body):
    assert credit_code_check_digit(body) == uscc_check(body)


def test_factory_ids_follow_the_standard():
    for _ in range(50):
        number = resident_id()
        assert number[17] == ric_check(number[:17])


def test_api_accepts_the_standard_example_and_refuses_a_wrong_check(client, admin):
    ok = client.post(
        "/api/v1/customers", json=customer_payload(id_number=STANDARD_EXAMPLES[0]), headers=admin
    )
    assert ok.status_code == 201, ok.text
    bad = client.post(
        "/api/v1/customers", json=customer_payload(id_number="110105194912310022"), headers=admin
    )
    assert bad.status_code == 422
    assert "id_number" in bad.json()["error"]["fields"]


def test_import_accepts_the_standard_examples(settings, database, tmp_path: Path):
    write_settings(settings)
    rows = [
        "姓名,手机号,证件号码",
        "张三,13912345678,11010519491231002X",
        "李四,13912345679,440524188001010014",
        "王五,13912345670,110105194912310022",
    ]
    file = tmp_path / "客户.csv"
    file.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        ["import", str(settings.data_dir), str(file), "--entity", "customers", "--skip-invalid"],
    )
    assert result.exit_code == 0, result.output
    assert "row 4" in result.output and "row 2" not in result.output
    assert "row 3" not in result.output
