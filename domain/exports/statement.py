"""A customer statement as a file to send: PDF (A4 portrait, for printing and e-mail) and XLSX (for the accountant).

Both state the company, the customer, the period and who prepared it when, then the opening balance, every line
of the statement (invoice: debit; void, payment: credit) with the running balance, the period's totals and the
closing balance. The PDF repeats the column header and prints "Page n of m" on every page; the XLSX holds real
numbers (2 decimals) and real dates. No database and no rules here: `domain.services.statements` reads the
statement (permission and scope) and audits the download.
"""

import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

import xlsxwriter
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from domain.formatting import format_date, format_datetime, format_money

if TYPE_CHECKING:  # the statement is read by domain.services.receivables; this module only lays it out
    from domain.services.receivables import Statement, StatementLine

COMPANY = "Chesanto"
TITLE = "Customer statement"
KIND_LABELS = {"invoice": "Invoice", "void": "Void", "payment": "Payment"}
HEADERS = ("Date", "Document", "Kind", "Detail", "Due", "Debit", "Credit", "Balance")
EMPTY_NOTE = "Nothing invoiced, voided or paid in this period."
NEGATIVE_NOTE = "A negative balance is money held for the customer."

MARGIN = 12.0  # mm
BODY_PT, HEAD_PT = 8.0, 9.5
LINE = 3.8  # mm per line of body text
PAD = 1.2  # mm inside each cell
# Date, Document, Kind, Due (mm); Detail takes what the money columns (sized to the widest figure) leave of the
# 186 mm a portrait A4 page has between its margins
FIXED_WIDTHS = (20.0, 21.0, 14.0, 20.0)
MIN_MONEY, MIN_DETAIL = 22.0, 28.0
RIGHT = (False, False, False, False, False, True, True, True)
PAGES_ALIAS = "{statement-pages}"


@dataclass(frozen=True)
class Prepared:
    """Who asked for the file, and when (UTC)."""

    by: str
    at: datetime

    @property
    def text(self) -> str:
        return f"Prepared {format_datetime(self.at)} by {self.by}"


def period_text(statement: "Statement") -> str:
    return f"{format_date(statement.date_from)} to {format_date(statement.date_to)}"


def customer_text(statement: "Statement") -> str:
    return f"{statement.customer} ({statement.code})" if statement.code else statement.customer


def _safe(text: str) -> str:
    """What Helvetica can print: Windows-1252, anything else as "?"."""
    return text.encode("cp1252", "replace").decode("cp1252").replace(PAGES_ALIAS, "")


def _cells(line: "StatementLine") -> list[str]:
    return [format_date(line.day), line.number, KIND_LABELS[line.kind], line.detail,
            format_date(line.due_date) if line.due_date else "",
            format_money(line.debit) if line.debit else "", format_money(line.credit) if line.credit else "",
            format_money(line.balance)]


# ---- PDF ---------------------------------------------------------------------------------------------------------


class _StatementPdf(FPDF):
    def __init__(self, statement: "Statement", prepared: Prepared) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.statement, self.prepared = statement, prepared
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_title(_safe(f"{TITLE}: {statement.customer}, {period_text(statement)}"))
        self.set_author(_safe(prepared.by))
        self.set_creator("Chesanto Operations")
        self.bottom = self.h - MARGIN - 6
        self.widths = self._widths()

    def _widths(self) -> tuple[float, ...]:
        """The money columns as wide as the widest figure on the statement (totals in bold)."""
        s = self.statement
        self.set_font("helvetica", "B", BODY_PT)
        figures = [s.opening_balance, s.closing_balance, s.total_debit, s.total_credit,
                   *(v for line in s.lines for v in (line.debit, line.credit, line.balance))]
        money = max(MIN_MONEY, *(self.get_string_width(format_money(v)) + 2 * PAD + 1 for v in figures))
        usable = self.w - 2 * MARGIN
        detail = max(MIN_DETAIL, usable - sum(FIXED_WIDTHS) - 3 * money)
        money = min(money, (usable - sum(FIXED_WIDTHS) - detail) / 3)  # absurd figures wrap rather than overflow
        date_w, document, kind, due = FIXED_WIDTHS
        return (date_w, document, kind, detail, due, money, money, money)

    def header(self) -> None:
        s = self.statement
        if self.page_no() == 1:
            self.set_font("helvetica", "B", 16)
            self.cell(0, 8, COMPANY, new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", "B", 13)
            self.cell(0, 7, TITLE, new_x="LMARGIN", new_y="NEXT")
            self.ln(1)
            for label, value in (("Customer", customer_text(s)), ("Period", period_text(s)),
                                 ("Opening balance", format_money(s.opening_balance)),
                                 ("Closing balance", format_money(s.closing_balance))):
                self.set_font("helvetica", "B", HEAD_PT)
                self.cell(32, 5, label)
                self.set_font("helvetica", "", HEAD_PT)
                self.multi_cell(0, 5, _safe(value), new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", "", BODY_PT)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, _safe(self.prepared.text), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
            self.ln(2)
        else:
            self.set_font("helvetica", "", BODY_PT)
            self.set_text_color(90, 90, 90)
            self.cell(0, 5, _safe(f"{TITLE}: {customer_text(s)}, {period_text(s)} (continued)"),
                      new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
        self.row(list(HEADERS), style="B", fill=(225, 225, 225), header=True)

    def footer(self) -> None:
        self.set_y(-MARGIN - 4)
        self.set_font("helvetica", "", BODY_PT)
        self.set_text_color(90, 90, 90)
        self.cell(0, 4, _safe(f"{COMPANY} · {TITLE} · {self.statement.customer}"))
        page = f"Page {self.page_no()} of "
        self.set_x(self.w - MARGIN - self.get_string_width(page + str(self.page_no())))
        self.cell(0, 4, page + PAGES_ALIAS)
        self.set_text_color(0, 0, 0)

    def _lines(self, text: str, width: float) -> list[str]:
        if not text:
            return [""]
        found = self.multi_cell(width, LINE, _safe(text), dry_run=True, output=MethodReturnValue.LINES,
                                padding=(0, PAD))
        return list(found) or [""]

    def row(self, cells: list[str], *, style: str = "", fill: tuple[int, int, int] | None = None,
            rule_above: bool = False, header: bool = False, keep: float = 0.0) -> None:
        """One row at the current position; on a new page (header repeated) unless it and `keep` mm more fit."""
        self.set_font("helvetica", style, BODY_PT)
        wrapped = [self._lines(text, width) for text, width in zip(cells, self.widths, strict=True)]
        height = max(len(lines) for lines in wrapped) * LINE + PAD
        if not header and self.get_y() + height + keep > self.bottom:
            self.add_page()  # header() repeats the column header
            self.set_font("helvetica", style, BODY_PT)
        top, right_edge = self.get_y(), MARGIN + sum(self.widths)
        if fill is not None:
            self.set_fill_color(*fill)
            self.rect(MARGIN, top, sum(self.widths), height, style="F")
        if rule_above:
            self.line(MARGIN, top, right_edge, top)
        x = MARGIN
        for lines, width, right in zip(wrapped, self.widths, RIGHT if not header else (False,) * 5 + (True,) * 3,
                                       strict=True):
            for n, text in enumerate(lines):
                at = x + width - PAD - self.get_string_width(text) if right else x + PAD
                self.text(at, top + PAD / 2 + LINE * (n + 1) - 1.0, text)
            x += width
        self.set_y(top + height)


def statement_pdf(statement: "Statement", prepared: Prepared) -> bytes:
    """The statement as a PDF document (bytes)."""
    doc = _StatementPdf(statement, prepared)
    doc.add_page()
    doc.row([format_date(statement.date_from), "", "", "Opening balance", "", "", "",
             format_money(statement.opening_balance)], style="B")
    for n, line in enumerate(statement.lines):
        doc.row([_safe(text) for text in _cells(line)], fill=(245, 245, 245) if n % 2 else None)
    if not statement.lines:
        doc.set_font("helvetica", "I", BODY_PT)
        doc.cell(0, 6, EMPTY_NOTE, new_x="LMARGIN", new_y="NEXT")
    negative = statement.closing_balance < 0 or any(line.balance < 0 for line in statement.lines)
    doc.row(["", "", "", "Totals for the period", "", format_money(statement.total_debit),
             format_money(statement.total_credit), ""], style="B", rule_above=True,
            keep=LINE + PAD + (8.0 if negative else 0.0))  # the totals stay with the closing balance
    doc.row([format_date(statement.date_to), "", "", "Closing balance", "", "", "",
             format_money(statement.closing_balance)], style="B", keep=8.0 if negative else 0.0)
    if negative:  # kept on the closing balance's page
        doc.set_font("helvetica", "I", BODY_PT)
        doc.ln(2)
        doc.cell(0, 5, NEGATIVE_NOTE, new_x="LMARGIN", new_y="NEXT")
    return bytes(doc.output())


# ---- XLSX --------------------------------------------------------------------------------------------------------

HEAD_ROWS = 6  # company and title, customer, period, prepared by, blank, column header
_XLSX_WIDTHS = (12, 12, 10, 40, 12, 16, 16, 16)


def _as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def statement_xlsx(statement: "Statement", prepared: Prepared) -> bytes:
    """The statement as an XLSX workbook (bytes): one sheet, real dates and numbers, bold opening, totals and
    closing rows. Data rows start on row 8 (after the heading, the column header and the opening balance)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    sheet = book.add_worksheet("Statement")
    title = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#EEEEEE"})
    money = book.add_format({"num_format": "#,##0.00"})
    day = book.add_format({"num_format": "d mmm yyyy"})
    bold_money = book.add_format({"bold": True, "num_format": "#,##0.00"})
    bold_day = book.add_format({"bold": True, "num_format": "d mmm yyyy"})

    sheet.write_string(0, 0, f"{COMPANY} — {TITLE}", title)
    sheet.write_string(1, 0, f"Customer: {customer_text(statement)}")
    sheet.write_string(2, 0, f"Period: {period_text(statement)}")
    sheet.write_string(3, 0, prepared.text)
    for c, label in enumerate(HEADERS):
        sheet.write_string(HEAD_ROWS - 1, c, label, header)
    sheet.freeze_panes(HEAD_ROWS, 0)

    row = HEAD_ROWS
    sheet.write_datetime(row, 0, _as_datetime(statement.date_from), bold_day)
    sheet.write_string(row, 3, "Opening balance", bold)
    sheet.write_number(row, 7, statement.opening_balance, bold_money)
    for line in statement.lines:
        row += 1
        sheet.write_datetime(row, 0, _as_datetime(line.day), day)
        sheet.write_string(row, 1, line.number)
        sheet.write_string(row, 2, KIND_LABELS[line.kind])
        sheet.write_string(row, 3, line.detail)
        if line.due_date is not None:
            sheet.write_datetime(row, 4, _as_datetime(line.due_date), day)
        sheet.write_number(row, 5, line.debit, money)
        sheet.write_number(row, 6, line.credit, money)
        sheet.write_number(row, 7, line.balance, money)
    row += 1
    sheet.write_string(row, 3, "Totals for the period", bold)
    sheet.write_number(row, 5, statement.total_debit, bold_money)
    sheet.write_number(row, 6, statement.total_credit, bold_money)
    row += 1
    sheet.write_datetime(row, 0, _as_datetime(statement.date_to), bold_day)
    sheet.write_string(row, 3, "Closing balance", bold)
    sheet.write_number(row, 7, statement.closing_balance, bold_money)
    row += 2
    sheet.write_string(row, 0, NEGATIVE_NOTE)
    for c, width in enumerate(_XLSX_WIDTHS):
        sheet.set_column(c, c, width)
    book.close()
    return out.getvalue()

