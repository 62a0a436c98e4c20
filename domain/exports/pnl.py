"""The P&L as a file: PDF (A4 portrait, to print and send) and XLSX (for the accountant), holding what the page shows.

Both state the company, the area and factory chosen, the period and the one it is compared with, the currency and
who prepared it when; then every line of the statement this period and the previous one, the change and the share
of revenue (totals bold, detail lines indented), the tertiary sell-out as a memo line and what the figures count.
The XLSX holds real numbers: money with 2 decimals, the change and the share as percentages. No database and no
rules here: `domain.services.profit_and_loss.pnl_file` reads the P&L (permission and scope) and audits the download.
"""

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from xlsxwriter.format import Format

from domain.config import get_settings
from domain.exports.document import BODY_PT, COMPANY, HEADER_FILL, LINE, PAD, DocumentBook, DocumentPdf, Prepared
from domain.exports.xlsx_file import NUMBER_FORMATS
from domain.formatting import format_date, format_money, format_percent

if TYPE_CHECKING:  # the P&L is read by domain.services.profit_and_loss; this module only lays it out
    from domain.services.profit_and_loss import PnlLine, ProfitAndLoss

TITLE = "Profit & loss"
HEADERS = ("Line", "This period", "Previous period", "Change", "% of revenue")
NOTES_TITLE = "What these figures count"
TOTAL_FILL = (238, 238, 238)
INDENT = 4.0  # mm: a detail line under its total
PERCENT_WIDTH, MIN_MONEY = 22.0, 30.0  # mm
RIGHT = (False, True, True, True, True)


def period_text(pnl: "ProfitAndLoss") -> str:
    return f"{format_date(pnl.date_from)} to {format_date(pnl.date_to)}"


def previous_text(pnl: "ProfitAndLoss") -> str:
    return f"{format_date(pnl.previous_from)} to {format_date(pnl.previous_to)}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def facts(pnl: "ProfitAndLoss") -> list[tuple[str, str]]:
    """The heading: the filters, the periods and the currency."""
    return [("Area", _capital(pnl.place)), ("Factory", pnl.factory or "All factories"),
            ("Period", period_text(pnl)), ("Compared with", f"{previous_text(pnl)} (the period just before)"),
            ("Currency", get_settings().currency)]


def _cells(pnl: "ProfitAndLoss", line: "PnlLine", *, memo: bool = False) -> list[str]:
    """A line as the page shows it (the memo line has no share of revenue)."""
    return [line.label, format_money(line.amount), format_money(line.previous),
            format_percent(line.change, signed=True), "" if memo else format_percent(pnl.share(line))]


# ---- PDF ---------------------------------------------------------------------------------------------------------


class _PnlPdf(DocumentPdf):
    def __init__(self, pnl: "ProfitAndLoss", prepared: Prepared) -> None:
        where = f"{_capital(pnl.area)}, {period_text(pnl)}"
        super().__init__(title=f"{TITLE}: {where}", prepared=prepared,
                         footer_text=f"{COMPANY} · {TITLE} · {where}")
        self.pnl = pnl
        self.widths, self.right = self._widths(), RIGHT

    def _widths(self) -> tuple[float, ...]:
        """The money columns as wide as the widest figure (in bold); the line's name takes the rest."""
        self.set_font("helvetica", "B", BODY_PT)
        lines = [*self.pnl.lines(), self.pnl.memo()]
        money = max(MIN_MONEY, *(self.get_string_width(format_money(v)) + 2 * PAD + 1
                                 for line in lines for v in (line.amount, line.previous)))
        money = min(money, (self.usable - 2 * PERCENT_WIDTH) / 3)
        return (self.usable - 2 * money - 2 * PERCENT_WIDTH, money, money, PERCENT_WIDTH, PERCENT_WIDTH)

    def header(self) -> None:
        if self.page_no() == 1:
            self.title_block(TITLE, facts(self.pnl))
        else:
            self.continued(f"{TITLE}: {_capital(self.pnl.area)}, {period_text(self.pnl)}")
        self.row(list(HEADERS), style="B", fill=HEADER_FILL, header=True)


def pnl_pdf(pnl: "ProfitAndLoss", prepared: Prepared, *, notes: Sequence[str] = ()) -> bytes:
    """The P&L as a PDF document (bytes); `notes` (what the figures count) follow the statement."""
    doc = _PnlPdf(pnl, prepared)
    doc.add_page()
    for line in pnl.lines():
        total = line.level == 0
        doc.row(_cells(pnl, line), style="B" if total else "", fill=TOTAL_FILL if total else None,
                indent=0.0 if total else INDENT)
    doc.row(_cells(pnl, pnl.memo(), memo=True), style="I", rule_above=True, indent=INDENT)
    if notes:
        doc.ln(LINE)
        doc.note(NOTES_TITLE, style="B")
        for text in notes:
            doc.note(f"• {text}", style="")
    return bytes(doc.output())


# ---- XLSX --------------------------------------------------------------------------------------------------------

_XLSX_WIDTHS = (58, 20, 20, 12, 14)
CHANGE_FORMAT, SHARE_FORMAT = "+0.0%;-0.0%;0.0%", "0.0%"


def _fraction(percent: Decimal) -> Decimal:
    """42.9 (%) as the 0.429 a spreadsheet's percentage cell holds."""
    return percent / 100


def pnl_xlsx(pnl: "ProfitAndLoss", prepared: Prepared, *, notes: Sequence[str] = ()) -> bytes:
    """The P&L as an XLSX workbook (bytes): one sheet, a row per line with real numbers (money, and the change and
    share as percentages; "—" where there is nothing to compare), the memo line, then `notes`."""
    doc = DocumentBook("Profit & loss")
    currency = get_settings().currency
    styles: dict[str, tuple[Format, ...]] = {}
    for kind, extra in (("total", {"bold": True, "bg_color": "#EEEEEE"}), ("detail", {"indent": 1}),
                        ("memo", {"italic": True, "indent": 1})):
        styles[kind] = (doc.format(**extra), doc.format(num_format=NUMBER_FORMATS["money"], **extra),
                        doc.format(num_format=CHANGE_FORMAT, **extra), doc.format(num_format=SHARE_FORMAT, **extra),
                        doc.format(align="right", **extra))
    headers = (HEADERS[0], f"{HEADERS[1]} ({currency})", f"{HEADERS[2]} ({currency})", *HEADERS[3:])
    row = doc.heading(TITLE, [f"{label}: {value}" for label, value in facts(pnl)] + [prepared.text], headers)
    sheet = doc.sheet
    lines = [(line, "total" if line.level == 0 else "detail") for line in pnl.lines()] + [(pnl.memo(), "memo")]
    for line, kind in lines:
        text, money, change, share_format, dash = styles[kind]
        sheet.write_string(row, 0, line.label, text)
        sheet.write_number(row, 1, line.amount, money)
        sheet.write_number(row, 2, line.previous, money)
        if line.change is None:
            sheet.write_string(row, 3, format_percent(None), dash)
        else:
            sheet.write_number(row, 3, _fraction(line.change), change)
        share = None if kind == "memo" else pnl.share(line)
        if share is not None:
            sheet.write_number(row, 4, _fraction(share), share_format)
        elif kind != "memo":  # no revenue this period
            sheet.write_string(row, 4, format_percent(None), dash)
        row += 1
    if notes:
        sheet.write_string(row + 1, 0, NOTES_TITLE, doc.bold)
        for n, text in enumerate(notes, start=row + 2):
            sheet.write_string(n, 0, text)
    return doc.finish(_XLSX_WIDTHS)
