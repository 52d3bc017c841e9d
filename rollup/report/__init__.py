"""The offline HTML report (fedcrm report)."""

from rollup.report.document import build_report

__all__ = ["build_report"]
