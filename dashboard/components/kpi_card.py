"""One KPI card: the label, the figure as the business writes it, and its comparisons (green when the change is good
news, red when it is bad). `update(kpi)` changes the texts in place, so a live refresh does not rebuild the page.

    card = KpiCard(data.kpi("orders_today"))      # marked kpi-orders_today (value: kpi-orders_today-value)
    card.update(newer.kpi("orders_today"))
"""

from nicegui import ui

from domain.services.dashboard import Comparison, Kpi

_TONE = {True: "text-positive", False: "text-negative", None: "text-grey-7"}


def _arrow(comparison: Comparison) -> str:
    if comparison.change is None or comparison.change == 0:
        return ""
    return ("▲ " if comparison.change > 0 else "▼ ") + f"{abs(comparison.change)} % · "


class KpiCard:
    def __init__(self, kpi: Kpi) -> None:
        self.key = kpi.key
        self.kpi: Kpi | None = None
        with ui.card().props("flat bordered").classes("gap-1 min-w-0 q-pa-sm").mark(f"kpi-{kpi.key}") \
                as self.card:
            ui.label(kpi.label).classes("text-caption text-grey-7 leading-tight")
            self.value = ui.label().classes(f"text-weight-medium leading-tight break-words kpi-{kpi.key}-value") \
                .style("font-size: clamp(1rem, 0.75rem + 0.5vw, 1.2rem)") \
                .mark(f"kpi-{kpi.key}-value")
            self.lines = [ui.label().classes("text-caption leading-tight break-words")
                          .mark(f"kpi-{kpi.key}-compare-{n}") for n in range(len(kpi.comparisons))]
        self.update(kpi)

    def update(self, kpi: Kpi) -> None:
        """Show `kpi`; only what changed is sent to the browser (a live refresh usually changes a few cards)."""
        before, self.kpi = self.kpi, kpi
        if kpi == before:
            return
        self.value.set_text(kpi.text)
        old = before.comparisons if before is not None else ()
        for n, (line, comparison) in enumerate(zip(self.lines, kpi.comparisons, strict=False)):
            line.set_text(_arrow(comparison) + comparison.text)
            if n >= len(old) or old[n].good != comparison.good:
                line.classes(replace="text-caption leading-tight break-words " + _TONE[comparison.good])
