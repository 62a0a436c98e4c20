"""What a business document as a file (a customer statement, the P&L) is made of, shared by its layouts.

PDF: portrait A4 opening with the company, the document's title, its facts (label and value) and who prepared it
when; a table whose rows wrap inside their columns and move to the next page whole (the column header repeated);
"Page n of m" on every page. XLSX: one sheet in memory with the same heading lines, a bold frozen column header and
the formats the figures need (real numbers and dates). No database and no rules here.
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import xlsxwriter
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from domain.exports.pdf_file import PAGES_ALIAS, safe
from domain.exports.xlsx_file import NUMBER_FORMATS
from domain.formatting import format_datetime

COMPANY = "Chesanto"
MARGIN = 12.0  # mm
BODY_PT, HEAD_PT = 8.0, 9.5
LINE = 3.8  # mm per line of body text
PAD = 1.2  # mm inside each cell
HEADER_FILL, ZEBRA, GREY_TEXT = (225, 225, 225), (245, 245, 245), (90, 90, 90)
FACT_LABEL_WIDTH = 32.0  # mm


@dataclass(frozen=True)
class Prepared:
    """Who asked for the file, and when (UTC)."""

    by: str
    at: datetime

    @property
    def text(self) -> str:
        return f"Prepared {format_datetime(self.at)} by {self.by}"


class DocumentPdf(FPDF):
    """Portrait A4 with a footer naming the document and numbering the pages. A document sets `widths` and
    `right` (which columns are right-aligned) and draws its `header()` with `title_block` and `continued`."""

    def __init__(self, *, title: str, prepared: Prepared, footer_text: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.prepared, self.footer_text = prepared, footer_text
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_title(safe(title))
        self.set_author(safe(prepared.by))
        self.set_creator("Chesanto Operations")
        self.bottom = self.h - MARGIN - 6  # rows stop here; the footer lives below
        self.usable = self.w - 2 * MARGIN
        self.widths: tuple[float, ...] = ()
        self.right: tuple[bool, ...] = ()

    def title_block(self, title: str, facts: Sequence[tuple[str, str]]) -> None:
        """The first page's heading: the company, the title, one line per fact, who prepared it when."""
        self.set_font("helvetica", "B", 16)
        self.cell(0, 8, COMPANY, new_x="LMARGIN", new_y="NEXT")
        self.set_font("helvetica", "B", 13)
        self.cell(0, 7, safe(title), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)
        for label, value in facts:
            self.set_font("helvetica", "B", HEAD_PT)
            self.cell(FACT_LABEL_WIDTH, 5, safe(label))
            self.set_font("helvetica", "", HEAD_PT)
            self.multi_cell(0, 5, safe(value), new_x="LMARGIN", new_y="NEXT")
        self.grey_line(self.prepared.text)
        self.ln(2)

    def continued(self, text: str) -> None:
        """The heading of every later page."""
        self.grey_line(f"{text} (continued)")

    def grey_line(self, text: str) -> None:
        self.set_font("helvetica", "", BODY_PT)
        self.set_text_color(*GREY_TEXT)
        self.multi_cell(0, 5, safe(text), new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)

    def note(self, text: str, *, style: str = "I") -> None:
        """A line of text under the table (wrapping), on a new page when it does not fit here."""
        self.set_font("helvetica", style, BODY_PT)
        lines = self.multi_cell(0, 4.5, safe(text), dry_run=True, output=MethodReturnValue.LINES)
        if self.get_y() + 4.5 * len(lines) > self.bottom:
            self.add_page()
            self.set_font("helvetica", style, BODY_PT)
        self.multi_cell(0, 4.5, safe(text), new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-MARGIN - 4)
        self.set_font("helvetica", "", BODY_PT)
        self.set_text_color(*GREY_TEXT)
        self.cell(0, 4, safe(self.footer_text))
        page = f"Page {self.page_no()} of "
        self.set_x(self.w - MARGIN - self.get_string_width(page + str(self.page_no())))
        self.cell(0, 4, page + PAGES_ALIAS)
        self.set_text_color(0, 0, 0)

    def _lines(self, text: str, width: float) -> list[str]:
        if not text:
            return [""]
        found = self.multi_cell(width, LINE, safe(text), dry_run=True, output=MethodReturnValue.LINES,
                                padding=(0, PAD))  # lines come back encoded for the font: "—" as "\x97"
        return [line.encode("latin-1").decode("cp1252") for line in found] or [""]

    def row(self, cells: Sequence[str], *, style: str = "", fill: tuple[int, int, int] | None = None,
            rule_above: bool = False, header: bool = False, keep: float = 0.0, indent: float = 0.0) -> None:
        """One row at the current position; on a new page (header repeated) unless it and `keep` mm more fit.
        `indent` mm shifts the first column's text right (a detail line under its total)."""
        self.set_font("helvetica", style, BODY_PT)
        widths = [width - indent if n == 0 else width for n, width in enumerate(self.widths)]
        wrapped = [self._lines(text, width) for text, width in zip(cells, widths, strict=True)]
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
        x = MARGIN + indent
        for lines, width, right in zip(wrapped, widths, self.right, strict=True):
            for n, text in enumerate(lines):
                at = x + width - PAD - self.get_string_width(text) if right else x + PAD
                self.text(at, top + PAD / 2 + LINE * (n + 1) - 1.0, text)
            x += width
        self.set_y(top + height)


class DocumentBook:
    """A one-sheet XLSX workbook in memory, with the formats a document's figures need."""

    def __init__(self, sheet_name: str) -> None:
        self.out = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.out, {"in_memory": True, "strings_to_formulas": False,
                                                   "strings_to_urls": False, "strings_to_numbers": False})
        self.sheet: Worksheet = self.book.add_worksheet(sheet_name)
        self.title = self.format(bold=True, font_size=14)
        self.bold = self.format(bold=True)
        self.header = self.format(bold=True, bottom=1, bg_color="#EEEEEE", text_wrap=True, valign="top")
        self.money = self.format(num_format=NUMBER_FORMATS["money"])
        self.bold_money = self.format(bold=True, num_format=NUMBER_FORMATS["money"])
        self.day = self.format(num_format=NUMBER_FORMATS["date"])
        self.bold_day = self.format(bold=True, num_format=NUMBER_FORMATS["date"])

    def format(self, **properties: object) -> Format:
        return self.book.add_format(properties)

    def heading(self, title: str, lines: Sequence[str], headers: Sequence[str]) -> int:
        """The title (company and document), one line each after it, a blank line, the frozen column header;
        returns the first row under the header."""
        sheet = self.sheet
        sheet.write_string(0, 0, f"{COMPANY} — {title}", self.title)
        for n, text in enumerate(lines, start=1):
            sheet.write_string(n, 0, text)
        header_row = len(lines) + 2
        for c, label in enumerate(headers):
            sheet.write_string(header_row, c, label, self.header)
        sheet.freeze_panes(header_row + 1, 0)
        return header_row + 1

    def finish(self, widths: Sequence[float]) -> bytes:
        """The column widths (in characters) set, the workbook closed; its bytes."""
        for c, width in enumerate(widths):
            self.sheet.set_column(c, c, width)
        self.book.close()
        return self.out.getvalue()
