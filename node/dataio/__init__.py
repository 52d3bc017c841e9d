"""Bulk data in and out of a node: spreadsheet import and export (`fedcrm import/export`).

`tabular` knows file formats, `customer_columns` knows how customer fields are called in
spreadsheets, `customer_import` / `customer_export` do the work inside a unit of work.
"""

from node.dataio.tabular import DataFileError

__all__ = ["DataFileError"]
