"""The terms a customer is found by: character bigrams, unigrams and pinyin.

Trigram indexes cannot match the 1-2 characters agents type for a Chinese name
(docs/performance.md), so names and addresses are pre-split into overlapping bigrams (plus
name unigrams) and a fragment is searched as the phrase of its bigrams.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


def clean(text: str | None) -> str:
    """Lower case, every run of non-word characters (spaces, punctuation) removed."""
    return _NOT_WORD.sub("", (text or "").lower())


def bigrams(text: str) -> list[str]:
    return [text[i : i + 2] for i in range(len(text) - 1)]


def fragment_terms(fragment: str) -> list[str]:
    """The query terms for a typed fragment: its bigrams, or itself if one character."""
    cleaned = clean(fragment)
    if len(cleaned) <= 1:
        return [cleaned] if cleaned else []
    return bigrams(cleaned)


def pinyin_terms(name: str) -> list[str]:
    """Full pinyin and initials: an agent types `zjg` or `zhangjianguo` for 张建国."""
    syllables = [s for s in lazy_pinyin(name, errors="ignore") if s.isascii() and s.isalpha()]
    if not syllables:
        return []
    initials = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore"))
    return ["".join(syllables).lower(), initials.lower()]


def customer_search_terms(name: str, *addresses: str | None) -> str:
    """One space-separated string: name bigrams, name unigrams, address bigrams, pinyin.

    Name bigrams come first and contiguously, so a phrase of bigrams matches across
    the name only; address bigrams each form their own run.
    """
    clean_name = clean(name)
    parts: list[str] = bigrams(clean_name) + list(clean_name)
    for address in addresses:
        cleaned = clean(address)
        if cleaned:
            parts += bigrams(cleaned) if len(cleaned) > 1 else [cleaned]
    parts += pinyin_terms(name)
    return " ".join(p for p in parts if p)
