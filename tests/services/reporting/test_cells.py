"""Every export writes formula-looking text as text (spreadsheet formula injection)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from coord.services.reporting.cells import csv_text, safe_cell, xlsx_bytes

DANGEROUS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("http://x","y")']


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_looking_text_is_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [12, -3, 2.5, "楼栋 12", "a=b", ""])
def test_numbers_and_plain_text_are_kept(value: object) -> None:
    assert safe_cell(value) == value


def test_none_is_an_empty_cell() -> None:
    assert safe_cell(None) == ""


def test_csv_export_keeps_formulas_as_text() -> None:
    # Given rows holding formula-looking names, When written as CSV and read back
    text = csv_text([["name", "hours"], ["=cmd|' /C calc'!A0", 3], ["-2+3", -2]])
    rows = list(csv.reader(io.StringIO(text)))
    # Then no cell begins like a formula, and negative numbers are still numbers
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    assert rows[2] == ["'-2+3", "-2"]


def test_xlsx_export_has_no_formula_cells() -> None:
    data = xlsx_bytes([("people", [["name", "hours"], ["=1+1", 2], ["@A1", 1.5]])])
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "@A1"
    assert sheet["B2"].value == 2
