"""The terms an article version is found by, split as customer names are
(node.customers.search_terms): character bigrams and unigrams of title and body, and the
title's pinyin and initials. A version's terms are a set: a query's bigrams must all be
present, and longer queries are rechecked as the phrase itself."""

from __future__ import annotations

from node.customers.search_terms import bigrams, clean, pinyin_terms
from node.knowledge.models import TERM_MAX


def version_terms(title: str, body: str) -> dict[str, bool]:
    """Each term of the version -> whether the title holds it."""
    terms: dict[str, bool] = {}
    text = clean(body)
    for term in (*bigrams(text), *text):
        terms[term] = False
    heading = clean(title)
    for term in (*bigrams(heading), *heading, *pinyin_terms(title)):
        terms[term[:TERM_MAX]] = True
    return terms
