"""Spreadsheet cells: what every CSV and XLSX export writes, so that no value is read as a formula.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or carriage
return) as a formula: a household's name or a note typed as ``=HYPERLINK(...)`` would run when a coordinator
opens the export (OWASP "CSV injection"). Every export writes its files through ``csv_text`` (each cell
through ``safe_cell``: such text gets a leading apostrophe) or ``xlsx_bytes`` (each text a string cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

#: What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that stays text: a string that begins like a formula gets a leading apostrophe.

    Numbers stay numbers (a negative number is a number, not a formula); None becomes an empty cell.
    """
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_rows(rows: Iterable[Sequence[Any]]) -> list[list[Any]]:
    """Every cell of ``rows`` through ``safe_cell``."""
    return [[safe_cell(value) for value in row] for row in rows]


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """``rows`` as CSV text, formula-looking text written as text."""
    out = io.StringIO()
    csv.writer(out).writerows(safe_rows(rows))
    return out.getvalue()


def xlsx_bytes(sheets: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> bytes:
    """A workbook with one sheet per (title, rows). Every text is a string cell, which a spreadsheet never
    evaluates: openpyxl would store a text beginning with "=" as a formula, so its type is set to string
    (the text is kept as it is, without the apostrophe CSV needs)."""
    from openpyxl import Workbook

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for title, rows in sheets:
        sheet = book.create_sheet(_sheet_title(title))
        for row in rows:
            sheet.append(["" if value is None else value for value in row])
        for line in sheet.iter_rows():
            for cell in line:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title).strip("'")
    return (cleaned or "sheet")[:31]
