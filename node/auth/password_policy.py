"""Which passwords a staff account may have (NIST SP 800-63B §5.1.1.2): long enough, not
the username, not a known common password, not guessable from repeats, sequences or
dates. Each refusal says in Chinese, then English, which rule failed.
"""

from __future__ import annotations

from functools import cache

from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_LENGTH = 10
MAX_LENGTH = 200
# zxcvbn's score: 0-1 fall to an online guessing attack within hours; 2 and up do not.
MIN_SCORE = 2
ZXCVBN_MAX = 72

# Top passwords of the CSDN leak (2011, 6.4M Chinese accounts), as published in its
# analyses; zxcvbn's list is drawn from Western leaks and misses most of them.
CHINESE_COMMON = [
    "123456789",
    "12345678",
    "11111111",
    "dearbook",
    "00000000",
    "123123123",
    "1234567890",
    "88888888",
    "111111111",
    "147258369",
    "987654321",
    "aaaaaaaa",
    "1111111111",
    "66666666",
    "a123456789",
    "11223344",
    "1qaz2wsx",
    "xiazhili",
    "789456123",
    "password",
    "87654321",
    "qqqqqqqq",
    "000000000",
    "qwertyuiop",
    "qq123456",
    "iloveyou",
    "31415926",
    "12344321",
    "0000000000",
    "asdfghjkl",
    "1q2w3e4r",
    "123456abc",
    "0123456789",
    "123654789",
    "12121212",
    "qazwsxedc",
    "abcd1234",
    "12341234",
    "110110110",
    "asdasdasd",
    "22222222",
    "123321123",
    "abc123456",
    "a12345678",
    "123456123",
    "a1234567",
    "1234qwer",
    "qwertyui",
    "123456789a",
    "woaini1314",
    "5201314520",
    "1314520520",
    "woaini520",
    "wodemima",
]


class WeakPassword(ValueError):
    """The rule a password breaks, as a message for the person choosing it."""


@cache
def _common() -> frozenset[str]:
    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(CHINESE_COMMON)


def check_password(password: str, username: str) -> None:
    """Raise WeakPassword naming the first rule `password` breaks for `username`."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"密码至少 {MIN_LENGTH} 个字符 (at least {MIN_LENGTH} characters)")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"密码最多 {MAX_LENGTH} 个字符 (at most {MAX_LENGTH} characters)")
    if username and username.lower() in password.lower():
        raise WeakPassword("密码不能包含用户名 (must not contain the username)")
    if password.lower() in _common():
        raise WeakPassword("这是常见密码，请换一个 (a commonly used password)")
    # zxcvbn scores at most 72 characters (it raises beyond); a longer password is
    # judged by its first 72, which already make a guessable one show.
    if zxcvbn(password[:ZXCVBN_MAX], user_inputs=[username])["score"] < MIN_SCORE:
        raise WeakPassword(
            "密码太容易猜到：避免重复、连续的字符和日期 "
            "(too easy to guess: avoid repeats, sequences and dates)"
        )
