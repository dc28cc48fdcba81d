"""The BIN/IIN validator: 12 ASCII digits whose last one is the control digit of the first eleven."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from portal.accounts.validators import bin_check_digit, validate_bin

DEMO_BINS = ["900614500128", "210340007893"]

ascii_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


def _error_code(value) -> str:
    with pytest.raises(ValidationError) as excinfo:
        validate_bin(value)
    return excinfo.value.code


@pytest.mark.parametrize("value", DEMO_BINS)
def test_demo_bins_are_valid(value):
    # given
    prefix, digit = value[:11], int(value[11])

    # when
    check = bin_check_digit(prefix)
    result = validate_bin(value)

    # then
    assert check == digit
    assert result is None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "90061450012",  # 11 digits
        "9006145001280",  # 13 digits
        " 900614500128",
        "900614500128 ",
    ],
    ids=["empty", "too-short", "too-long", "leading-space", "trailing-space"],
)
def test_wrong_length_is_refused(value):
    # given: a string that is not exactly 12 characters long

    # when
    code = _error_code(value)

    # then
    assert code == "invalid_bin"


@pytest.mark.parametrize(
    "value",
    ["90061450012a", "9006-4500128", "900614 00128", "+90061450012", "ABCDEFGHIJKL", "9006.4500128"],
)
def test_non_digits_are_refused(value):
    # given: 12 characters, not all of them digits

    # when
    code = _error_code(value)

    # then
    assert code == "invalid_bin"


@pytest.mark.parametrize("value", [None, 900614500128])
def test_non_strings_are_refused(value):
    # given: something that is not a string at all

    # when
    code = _error_code(value)

    # then
    assert code == "invalid_bin"


@pytest.mark.parametrize("value", DEMO_BINS)
def test_every_wrong_control_digit_is_refused(value):
    # given: the demo BIN with each of the nine other last digits
    wrong = [value[:11] + d for d in "0123456789" if d != value[11]]

    # when
    codes = [_error_code(candidate) for candidate in wrong]

    # then
    assert codes == ["invalid_bin"] * 9


@given(prefix=ascii_digits)
def test_property_only_the_control_digit_completes_a_prefix(prefix):
    # given: an 11-digit prefix that admits a control digit
    check = bin_check_digit(prefix)
    assume(check is not None)

    # when
    outcomes = {}
    for digit in range(10):
        try:
            validate_bin(f"{prefix}{digit}")
        except ValidationError as exc:
            outcomes[digit] = exc.code
        else:
            outcomes[digit] = "valid"

    # then
    assert outcomes[check] == "valid"
    assert {d: c for d, c in outcomes.items() if d != check} == {
        d: "invalid_bin" for d in range(10) if d != check
    }


@st.composite
def prefixes_without_control_digit(draw) -> str:
    """11 digits whose two weighted sums are both 10 (mod 11), built rather than filtered.

    The 11th digit has weight 11 ≡ 0 in the first sum, so the 10th digit fixes the first sum and the
    11th (weight 2 in the second sum) fixes the second; draws needing a "digit" 10 are rejected.
    """
    head = draw(st.lists(st.integers(0, 9), min_size=9, max_size=9))
    first = sum(d * w for d, w in zip(head, range(1, 10), strict=True)) % 11
    tenth = ((10 - first) * 10) % 11  # 10 is its own inverse modulo 11
    assume(tenth <= 9)
    second = sum(d * w for d, w in zip([*head, tenth], (3, 4, 5, 6, 7, 8, 9, 10, 11, 1), strict=True)) % 11
    eleventh = ((10 - second) * 6) % 11  # 6 is the inverse of 2 modulo 11
    assume(eleventh <= 9)
    return "".join(map(str, [*head, tenth, eleventh]))


@given(prefix=prefixes_without_control_digit())
def test_property_a_prefix_without_control_digit_never_validates(prefix):
    # given: an 11-digit prefix for which both weighted sums give 10
    check = bin_check_digit(prefix)

    # when
    codes = [_error_code(f"{prefix}{digit}") for digit in range(10)]

    # then
    assert check is None
    assert codes == ["invalid_bin"] * 10


@pytest.mark.parametrize("prefix", ["00000000281", "00170167551", "17717294231"])
def test_known_prefixes_without_control_digit_never_validate(prefix):
    # given: prefixes whose two weighted sums are both 10 modulo 11
    check = bin_check_digit(prefix)

    # when
    codes = [_error_code(f"{prefix}{digit}") for digit in range(10)]

    # then
    assert check is None
    assert codes == ["invalid_bin"] * 10


def test_unicode_superscript_digit_is_refused_as_invalid_bin():
    # given: 12 characters that str.isdigit() accepts but are not the digits 0-9
    value = "90061450012²"

    # when
    code = _error_code(value)

    # then
    assert code == "invalid_bin"


def test_non_ascii_decimal_digits_are_refused():
    # given: the demo BIN 900614500128 written with Arabic-Indic digits
    value = "٩٠٠٦١٤٥٠٠١٢٨"

    # when
    code = _error_code(value)

    # then
    assert code == "invalid_bin"
