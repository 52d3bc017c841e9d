"""Callback surveys (外拨问卷回访, issue 21): versioned questionnaires, their branching and
the checking of one set of answers against a published version."""
