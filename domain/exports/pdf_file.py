"""PDF: landscape A4, for printing and sending. The first page opens with the title, the filters, who exported it
when and the row count; every page repeats the column header and ends with "Page n of m"; the last rows are
followed by a bold totals row (the table's own exact totals) and the row count again.

Cells read as on screen: money right-aligned as "KES 12,345.00", quantities and counts right-aligned, dates as
"21 Nov 2026", choices and yes/no in words. Long text wraps inside its column, so no cell is cut short. The PDF's
built-in Helvetica covers Western European text (Windows-1252); a minus sign prints as "-", an arrow as "->", any
other character as "?".

fpdf2 keeps the whole document in memory until it is saved, which is why the service caps a PDF's rows
(`domain.services.exports.PDF_MAX_ROWS`) and sends bigger exports to CSV or XLSX.
"""

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from fpdf import FPDF

from domain.exports.heading import ExportHeading, totals_cells
from domain.formatting import format_date, format_datetime, format_money, format_quantity
from domain.tables import NUMERIC_KINDS, Column, choice_label

MARGIN = 10.0  # mm
BODY_PT, HEAD_PT, TITLE_PT = 7.5, 9.0, 14.0
LINE = 3.4  # mm per line of body text
PAD_X, PAD_Y = 1.2, 0.6  # mm inside each cell
MAX_CELL_LINES = 12  # a cell longer than this (a pasted essay in a note) ends with "…"
PAGES_ALIAS = "{chesanto-pages}"  # replaced by the page count when the file is saved
_SAMPLES = {"money": format_money(Decimal("999999.99")), "quantity": "999,999.999", "int": "999,999",
            "date": "30 Sep 2026", "datetime": "30 Sep 2026 23:59", "bool": "Yes"}
_SAMPLE_ROWS = 200  # text columns are sized by their widest value among the first rows
_MAX_TEXT_WIDTH = 70.0  # mm; longer text wraps
_ZEBRA, _HEADER_FILL, _GREY_TEXT = (245, 245, 245), (225, 225, 225), (90, 90, 90)


_NEAREST = str.maketrans({"\u2212": "-", "\u2192": "->"})  # minus sign, arrow: not in Windows-1252


def safe(text: str) -> str:
    """What Helvetica can print: Windows-1252 (a minus sign as "-", an arrow as "->"), anything else as "?"; never
    the page-count alias."""
    return text.translate(_NEAREST).encode("cp1252", "replace").decode("cp1252").replace(PAGES_ALIAS, "")


def shown(value: Any, column: Column) -> str:
    """A value as the business reads it on screen."""
    if value is None:
        return ""
    kind = column.kind
    if kind == "money":
        return format_money(Decimal(value))
    if kind == "quantity":
        return format_quantity(Decimal(value))
    if kind == "int":
        return f"{int(value):,}"
    if kind == "datetime" and isinstance(value, datetime):
        return format_datetime(value)
    if kind in ("date", "datetime") and isinstance(value, date):
        return format_date(value)
    if kind == "bool":
        return "Yes" if value else "No"
    if kind == "choice":
        return safe(choice_label(value))
    return safe(str(value))


class _Document(FPDF):
    def __init__(self, columns: Sequence[Column], heading: ExportHeading, sample: Sequence[Sequence[str]]) -> None:
        super().__init__(orientation="L", unit="mm", format="A4")
        self.columns, self.heading = columns, heading
        self.core_fonts_encoding = "windows-1252"
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)
        self.alias_nb_pages(PAGES_ALIAS)
        self.set_title(safe(heading.title))
        self.set_author(safe(heading.exported_by))
        self.set_creator("Chesanto Operations")
        self.bottom = self.h - MARGIN - 5  # rows stop here; the footer lives below
        self.right_aligned = [c.kind in NUMERIC_KINDS for c in columns]
        self.widths = self._widths(sample)
        self.zebra = False

    # --- layout ---------------------------------------------------------------------------------------------

    def _widths(self, sample: Sequence[Sequence[str]]) -> list[float]:
        """Each column as wide as its widest value in the first rows (text up to 70 mm; numbers at least as wide
        as a six-figure value and their total, with some headroom). Spare room goes to the text columns; when the
        page is too narrow, only the widest text columns narrow (and wrap), so short values and figures stay on
        one line."""
        usable = self.w - 2 * MARGIN
        self.set_font("helvetica", "B", BODY_PT)
        label_words = [max((self.get_string_width(w) for w in safe(c.label).split()), default=0) + 2 * PAD_X
                       for c in self.columns]
        self.set_font("helvetica", "", BODY_PT)
        widths: list[float] = []
        for i, column in enumerate(self.columns):
            texts = [cells[i] for cells in sample if cells[i]]
            if column.kind in _SAMPLES:
                texts.append(_SAMPLES[column.kind])
                if column.key in self.heading.totals:
                    texts.append(shown(self.heading.totals[column.key], column))
            widest = max((self.get_string_width(text) for text in texts), default=0.0)
            if column.kind in NUMERIC_KINDS:
                widest *= 1.15  # headroom for bigger figures further down
            widths.append(max(min(widest + 2 * PAD_X, _MAX_TEXT_WIDTH), label_words[i], 8.0))
        text = [i for i, c in enumerate(self.columns) if c.kind not in _SAMPLES]
        if sum(widths) <= usable:  # the room left goes to the text columns (to all, if there are none)
            gainers = text or list(range(len(widths)))
            spare = (usable - sum(widths)) / len(gainers)
            return [w + spare if i in gainers else w for i, w in enumerate(widths)]
        room = usable - sum(w for i, w in enumerate(widths) if i not in text)
        cap = _cap([widths[i] for i in text], room)
        if text and all(min(widths[i], cap) >= label_words[i] for i in text):
            return [min(w, cap) if i in text else w for i, w in enumerate(widths)]
        total = sum(widths)  # too many columns even so: everything narrows in proportion and may wrap
        return [w * usable / total for w in widths]

    def lines(self, text: str, width: float) -> list[str]:
        """`text` broken into lines no wider than `width` (between words where it can, inside a word if it must)."""
        room = width - 2 * PAD_X + 1e-6  # a column sized to its widest text holds it, float rounding or not
        if "\n" not in text and self.get_string_width(text) <= room:
            return [text]
        out: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if self.get_string_width(candidate) <= room:
                    line = candidate
                    continue
                if line:
                    out.append(line)
                while self.get_string_width(word) > room and len(word) > 1:  # a word wider than the column
                    cut = len(word) - 1
                    while cut > 1 and self.get_string_width(word[:cut]) > room:
                        cut -= 1
                    out.append(word[:cut])
                    word = word[cut:]
                line = word
            out.append(line)
        if len(out) > MAX_CELL_LINES:
            out = [*out[:MAX_CELL_LINES - 1], out[MAX_CELL_LINES - 1][:-1] + "…"]
        return out

    def row(self, cells: Sequence[str], *, style: str = "", fill: tuple[int, int, int] | None = None,
            rule_above: bool = False) -> None:
        """One table row at the current position, on a new page if it does not fit here."""
        self.set_font("helvetica", style, BODY_PT)
        wrapped = [self.lines(text, width) for text, width in zip(cells, self.widths, strict=True)]
        height = max(len(lines) for lines in wrapped) * LINE + 2 * PAD_Y
        if self.get_y() + height > self.bottom:
            self.add_page()  # header() repeats the column header
            self.set_font("helvetica", style, BODY_PT)
        top = self.get_y()
        if fill is not None:
            self.set_fill_color(*fill)
            self.rect(MARGIN, top, sum(self.widths), height, style="F")
        if rule_above:
            self.line(MARGIN, top, MARGIN + sum(self.widths), top)
        x = MARGIN
        for lines, width, right in zip(wrapped, self.widths, self.right_aligned, strict=True):
            for n, text in enumerate(lines):
                if not text:
                    continue
                at = x + width - PAD_X - self.get_string_width(text) if right else x + PAD_X
                self.text(at, top + PAD_Y + LINE * (n + 1) - 0.9, text)
            x += width
        self.set_y(top + height)

    # --- what every page carries ----------------------------------------------------------------------------

    def header(self) -> None:
        heading = self.heading
        if self.page_no() == 1:
            self.set_font("helvetica", "B", TITLE_PT)
            self.multi_cell(0, 7, safe(heading.title), new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", "", HEAD_PT)
            self.multi_cell(0, 4.5, safe(heading.filters_text), new_x="LMARGIN", new_y="NEXT")
            self.multi_cell(0, 4.5, safe(heading.exported_text), new_x="LMARGIN", new_y="NEXT")
            self.set_font("helvetica", "B", HEAD_PT)
            self.multi_cell(0, 4.5, heading.rows_text, new_x="LMARGIN", new_y="NEXT")
            self.ln(2)
        else:
            self.set_font("helvetica", "", BODY_PT)
            self.set_text_color(*_GREY_TEXT)
            self.cell(0, 5, safe(f"{heading.title} (continued)"), new_x="LMARGIN", new_y="NEXT")
            self.set_text_color(0, 0, 0)
        self.row([safe(c.label) for c in self.columns], style="B", fill=_HEADER_FILL)
        self.zebra = False

    def footer(self) -> None:
        self.set_y(-MARGIN - 3)
        self.set_font("helvetica", "", BODY_PT)
        self.set_text_color(*_GREY_TEXT)
        self.cell(0, 4, safe(f"{self.heading.title} — {self.heading.exported_text}"))
        page = f"Page {self.page_no()} of "
        self.set_x(self.w - MARGIN - self.get_string_width(page + str(self.page_no())))  # the count has about
        self.cell(0, 4, page + PAGES_ALIAS)  # as many digits as the page number; the alias is wider than either
        self.set_text_color(0, 0, 0)


def _cap(widths: Sequence[float], room: float) -> float:
    """The width above which columns are cut back so that `widths` fit in `room` (the widest first)."""
    if sum(widths) <= room:
        return max(widths, default=room)
    ordered = sorted(widths)
    left, count = room, len(ordered)
    for width in ordered:
        if width * count > left:  # this one and every wider one get an equal share of what is left
            return left / count
        left -= width
        count -= 1
    return left


def write_pdf(path: Path, columns: Sequence[Column], rows: Iterable[dict[str, Any]], heading: ExportHeading) -> int:
    """Write the document; returns how many pages it has."""
    stream = ([shown(row[c.key], c) for c in columns] for row in rows)
    sample = list(islice(stream, _SAMPLE_ROWS))
    doc = _Document(columns, heading, sample)
    doc.add_page()
    for cells in chain(sample, stream):
        doc.zebra = not doc.zebra
        doc.row(cells, fill=None if doc.zebra else _ZEBRA)
    if not sample:
        doc.set_font("helvetica", "I", HEAD_PT)
        doc.cell(0, 6, "No rows match these filters.", new_x="LMARGIN", new_y="NEXT")
    totals = totals_cells(columns, heading.totals)
    if totals is not None:
        doc.row([v if isinstance(v, str) else shown(v, c) for v, c in zip(totals, columns, strict=True)],
                style="B", rule_above=True)
    if doc.get_y() + 6 > doc.bottom:
        doc.add_page()
    doc.set_font("helvetica", "B", HEAD_PT)
    doc.cell(0, 6, heading.rows_text, new_x="LMARGIN", new_y="NEXT")
    doc.output(str(path))
    return doc.page_no()
