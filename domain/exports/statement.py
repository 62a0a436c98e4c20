"""A customer statement as a file to send: PDF (A4 portrait, for printing and e-mail) and XLSX (for the accountant).

Both state the company, the customer, the period and who prepared it when, then the opening balance, every line
of the statement (invoice: debit; void, payment: credit) with the running balance, the period's totals and the
closing balance. The PDF repeats the column header and prints "Page n of m" on every page; the XLSX holds real
numbers (2 decimals) and real dates. No database and no rules here: `domain.services.statements` reads the
statement (permission and scope) and audits the download.
"""

from datetime import date, datetime
from typing import TYPE_CHECKING

from domain.exports.document import BODY_PT, COMPANY, HEADER_FILL, LINE, PAD, ZEBRA, DocumentBook, DocumentPdf, Prepared
from domain.formatting import format_date, format_money

if TYPE_CHECKING:  # the statement is read by domain.services.receivables; this module only lays it out
    from domain.services.receivables import Statement, StatementLine

__all__ = ["Prepared", "statement_pdf", "statement_xlsx"]

TITLE = "Customer statement"
KIND_LABELS = {"invoice": "Invoice", "void": "Void", "payment": "Payment"}
HEADERS = ("Date", "Document", "Kind", "Detail", "Due", "Debit", "Credit", "Balance")
EMPTY_NOTE = "Nothing invoiced, voided or paid in this period."
NEGATIVE_NOTE = "A negative balance is money held for the customer."

# Date, Document, Kind, Due (mm); Detail takes what the money columns (sized to the widest figure) leave of the
# 186 mm a portrait A4 page has between its margins
FIXED_WIDTHS = (20.0, 21.0, 14.0, 20.0)
MIN_MONEY, MIN_DETAIL = 22.0, 28.0
RIGHT = (False, False, False, False, False, True, True, True)


def period_text(statement: "Statement") -> str:
    return f"{format_date(statement.date_from)} to {format_date(statement.date_to)}"


def customer_text(statement: "Statement") -> str:
    return f"{statement.customer} ({statement.code})" if statement.code else statement.customer


def _cells(line: "StatementLine") -> list[str]:
    return [format_date(line.day), line.number, KIND_LABELS[line.kind], line.detail,
            format_date(line.due_date) if line.due_date else "",
            format_money(line.debit) if line.debit else "", format_money(line.credit) if line.credit else "",
            format_money(line.balance)]


# ---- PDF ---------------------------------------------------------------------------------------------------------


class _StatementPdf(DocumentPdf):
    def __init__(self, statement: "Statement", prepared: Prepared) -> None:
        super().__init__(title=f"{TITLE}: {statement.customer}, {period_text(statement)}", prepared=prepared,
                         footer_text=f"{COMPANY} · {TITLE} · {statement.customer}")
        self.statement = statement
        self.widths, self.right = self._widths(), RIGHT

    def _widths(self) -> tuple[float, ...]:
        """The money columns as wide as the widest figure on the statement (totals in bold)."""
        s = self.statement
        self.set_font("helvetica", "B", BODY_PT)
        figures = [s.opening_balance, s.closing_balance, s.total_debit, s.total_credit,
                   *(v for line in s.lines for v in (line.debit, line.credit, line.balance))]
        money = max(MIN_MONEY, *(self.get_string_width(format_money(v)) + 2 * PAD + 1 for v in figures))
        detail = max(MIN_DETAIL, self.usable - sum(FIXED_WIDTHS) - 3 * money)
        money = min(money, (self.usable - sum(FIXED_WIDTHS) - detail) / 3)  # absurd figures wrap, not overflow
        date_w, document, kind, due = FIXED_WIDTHS
        return (date_w, document, kind, detail, due, money, money, money)

    def header(self) -> None:
        s = self.statement
        if self.page_no() == 1:
            self.title_block(TITLE, [("Customer", customer_text(s)), ("Period", period_text(s)),
                                     ("Opening balance", format_money(s.opening_balance)),
                                     ("Closing balance", format_money(s.closing_balance))])
        else:
            self.continued(f"{TITLE}: {customer_text(s)}, {period_text(s)}")
        self.row(list(HEADERS), style="B", fill=HEADER_FILL, header=True)


def statement_pdf(statement: "Statement", prepared: Prepared) -> bytes:
    """The statement as a PDF document (bytes)."""
    doc = _StatementPdf(statement, prepared)
    doc.add_page()
    doc.row([format_date(statement.date_from), "", "", "Opening balance", "", "", "",
             format_money(statement.opening_balance)], style="B")
    for n, line in enumerate(statement.lines):
        doc.row(_cells(line), fill=ZEBRA if n % 2 else None)
    if not statement.lines:
        doc.note(EMPTY_NOTE)
    negative = statement.closing_balance < 0 or any(line.balance < 0 for line in statement.lines)
    doc.row(["", "", "", "Totals for the period", "", format_money(statement.total_debit),
             format_money(statement.total_credit), ""], style="B", rule_above=True,
            keep=LINE + PAD + (8.0 if negative else 0.0))  # the totals stay with the closing balance
    doc.row([format_date(statement.date_to), "", "", "Closing balance", "", "", "",
             format_money(statement.closing_balance)], style="B", keep=8.0 if negative else 0.0)
    if negative:  # kept on the closing balance's page
        doc.ln(2)
        doc.note(NEGATIVE_NOTE)
    return bytes(doc.output())


# ---- XLSX --------------------------------------------------------------------------------------------------------

_XLSX_WIDTHS = (12, 12, 10, 40, 12, 16, 16, 16)


def _as_datetime(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


def statement_xlsx(statement: "Statement", prepared: Prepared) -> bytes:
    """The statement as an XLSX workbook (bytes): one sheet, real dates and numbers, bold opening, totals and
    closing rows. Data rows start on row 8 (after the heading, the column header and the opening balance)."""
    doc = DocumentBook("Statement")
    sheet, bold, money, day, bold_money, bold_day = (doc.sheet, doc.bold, doc.money, doc.day, doc.bold_money,
                                                     doc.bold_day)
    row = doc.heading(TITLE, [f"Customer: {customer_text(statement)}", f"Period: {period_text(statement)}",
                              prepared.text], HEADERS)
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
    sheet.write_string(row + 2, 0, NEGATIVE_NOTE)
    return doc.finish(_XLSX_WIDTHS)
