"""Kazakhstan's 12-digit business identification number (BIN, or the IIN of an individual entrepreneur)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_BIN_RE = re.compile(r"[0-9]{12}")  # not \d: that matches any Unicode digit
_FIRST_WEIGHTS = range(1, 12)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)


def bin_check_digit(first_eleven: str) -> int | None:
    """The control digit of a BIN/IIN, or None when the number can have none (it is then invalid).

    The rule: the weighted sum of the first 11 digits (weights 1..11) modulo 11; if that is 10, the
    sum again with weights 3..11, 1, 2; if that is 10 too, no valid number starts with these digits.
    """
    digits = [int(ch) for ch in first_eleven]
    check = sum(d * w for d, w in zip(digits, _FIRST_WEIGHTS, strict=True)) % 11
    if check == 10:
        check = sum(d * w for d, w in zip(digits, _SECOND_WEIGHTS, strict=True)) % 11
    return None if check == 10 else check


def validate_bin(value: str) -> None:
    if not isinstance(value, str) or not _BIN_RE.fullmatch(value):
        raise ValidationError(_("A BIN is exactly 12 digits."), code="invalid_bin")
    if bin_check_digit(value[:11]) != int(value[11]):
        raise ValidationError(_("This BIN's control digit is wrong; check the number."), code="invalid_bin")
