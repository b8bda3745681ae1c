"""Blank spreadsheets to fill in, one per kind of record.

The first sheet has the header row the importer reads; a column with a fixed
list of values (a scale, a vocabulary, yes/no) offers that list as a
drop-down (an Excel data validation), taken from the "Allowed values" sheet;
the "Columns" sheet says what each column holds and whether it is required.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import LIST_SEPARATOR, SPECS, RecordSpec

ALLOWED_SHEET = "Allowed values"
COLUMNS_SHEET = "Columns"
VALIDATED_ROWS = 10_000
LIST_KINDS = ("choice", "term", "lifecycle", "target_type", "bool")


def _describe(kind: str) -> str:
    return {
        "ref": _("slug of an existing record"),
        "refs": _("slugs of existing records, separated by %(sep)s") % {"sep": LIST_SEPARATOR},
        "terms": _("vocabulary terms (see Allowed values), separated by %(sep)s")
        % {"sep": LIST_SEPARATOR},
        "int": _("whole number"),
        "decimal": _("number"),
        "date": _("date, YYYY-MM-DD"),
        "bool": _("yes or no"),
        "text": _("text"),
    }.get(kind, _("one of the allowed values"))


def template_workbook(spec: RecordSpec) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = spec.record_type[:31]
    allowed = workbook.create_sheet(ALLOWED_SHEET)
    described = workbook.create_sheet(COLUMNS_SHEET)
    described.append([_("column"), _("required"), _("what it holds"), _("allowed values")])
    bold = Font(bold=True)
    allowed_column = 0
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index, value=column.name).font = bold
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 4)
        values = (
            [value for value, _label in column.choices()]
            if column.kind in LIST_KINDS + ("terms",)
            else []
        )
        where = ""
        if values:
            allowed_column += 1
            target = get_column_letter(allowed_column)
            allowed.cell(row=1, column=allowed_column, value=column.name).font = bold
            for row, value in enumerate(values, start=2):
                allowed.cell(row=row, column=allowed_column, value=value)
            where = f"{ALLOWED_SHEET}!{target}"
            if column.kind != "terms":
                _add_list(
                    sheet,
                    letter,
                    f"{quote_sheetname(ALLOWED_SHEET)}!${target}$2:${target}${len(values) + 1}",
                )
        required = _("yes") if column.required else ""
        described.append([column.name, required, f"{_describe(column.kind)}. {column.help}", where])
    for row in described.iter_rows(min_row=1, max_row=1):
        for cell in row:
            cell.font = bold
    described.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _add_list(sheet, letter: str, formula: str) -> None:
    validation = DataValidation(
        type="list", formula1=formula, allow_blank=True, showErrorMessage=True
    )
    validation.error = _("Choose one of the allowed values (see the “%(sheet)s” sheet).") % {
        "sheet": ALLOWED_SHEET
    }
    validation.errorTitle = _("Not an allowed value")
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{VALIDATED_ROWS + 1}")


def template_csv(spec: RecordSpec) -> str:
    return ",".join(spec.header) + "\r\n"


__all__ = ["SPECS", "template_csv", "template_workbook"]
