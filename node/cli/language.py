"""The language of the CLI's help: Simplified Chinese, or English when the locale asks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import Literal

Language = Literal["zh", "en"]

# The order gettext reads them in (Python's gettext.find does the same): LANGUAGE is a
# colon-separated list of preferences, the others one locale name each; the first set
# wins. POSIX's own precedence is the tail: LC_ALL, then LC_MESSAGES, then LANG.
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language_from(environ: Mapping[str, str]) -> Language:
    """The help language the locale variables in `environ` ask for.

    English when the first locale named starts with "en" (en, en_US.UTF-8, en_GB);
    Chinese for anything else, including none, C, POSIX and zh_CN.UTF-8: the product's
    users read Chinese first."""
    for name in LOCALE_VARIABLES:
        first = next((entry for entry in environ.get(name, "").split(":") if entry), "")
        if first:
            return "en" if first.lower().startswith("en") else "zh"
    return "zh"


@cache
def help_language() -> Language:
    """The help language of this process, read from the environment once.

    The first call is at start-up, when typer builds the commands' help; the answer is
    kept so that every text of one run is in the same language."""
    return language_from(os.environ)
