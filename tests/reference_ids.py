"""Check characters written from the published formulas only, never through stdnum.

GB 11643-1999 (resident ID, ISO 7064 MOD 11-2): weight of position i (1-based from the
left, 17 digits) is 2^(18-i) mod 11; S = sum(digit * weight); the check character is
(12 - S mod 11) mod 11, written X for 10.
GB 32100-2015 (unified social credit code): alphabet 0-9 then ABCDEFGHJKLMNPQRTUWXY
(values 0-30); weight of position i is 3^(i-1) mod 31; check value (31 - S mod 31) mod 31.
"""

from __future__ import annotations

RIC_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = tuple(3**i % 31 for i in range(17))


def ric_check(body: str) -> str:
    """GB 11643 check character of a 17-digit body."""
    total = sum(int(d) * w for d, w in zip(body, RIC_WEIGHTS, strict=True))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def uscc_check(body: str) -> str:
    """GB 32100 check character of a 17-character body."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]
