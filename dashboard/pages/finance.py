"""/finance: the finance start page — what customers in the user's area owe (outstanding, overdue, held as credit)
and what came in this month, with the way into the invoices, payments and receivables lists.

The figures come from the receivables services (the regional summary, added up) and the payments list's own totals
for this month's dates — the same numbers those pages show, for the same area.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard import live
from dashboard.auth import signed_in
from dashboard.components.finance_nav import finance_tabs
from dashboard.components.kpi_card import KpiCard
from dashboard.layout import frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError
from domain.events import DomainEvent
from domain.formatting import format_date, format_money
from domain.inputs import business_today
from domain.services.dashboard import Comparison, Kpi
from domain.services.invoices import payments_table
from domain.services.receivables import receivables_by_region
from domain.services.tables import fetch_page
from domain.tables import TableQuery

TITLE = "Finance"
FOLLOWS = ("payment.", "invoice.", "order.")
LINKS = [  # (path, title, what it holds, icon)
    ("/finance/invoices", "Invoices", "Every invoice issued on delivery: balance, due date, status. Open one to "
     "see its payments or void it.", "request_quote"),
    ("/finance/payments", "Payments", "Money received by cash, M-Pesa, bank transfer or cheque, and how it was "
     "allocated to invoices.", "payments"),
    ("/finance/receivables", "Receivables", "What each customer and region owes, how late (ageing), credit limit and "
     "headroom. Statements from here.", "hourglass_bottom"),
    ("/finance/expenses", "Expenses", "What the factories spend, by category; recorded, then approved.", "receipt"),
]


@dataclass(frozen=True)
class FinanceSummary:
    outstanding: Decimal
    overdue: Decimal
    over_90: Decimal
    credit: Decimal
    owing: int
    customers: int
    collected: Decimal
    payments: int
    month_start: date
    today: date

    def kpis(self) -> list[Kpi]:
        month = f"since {format_date(self.month_start)}"
        return [
            Kpi("outstanding", "Outstanding", self.outstanding, "money", format_money(self.outstanding), (
                Comparison(f"{self.owing:,} of {self.customers:,} customers owe"),)),
            Kpi("overdue", "Overdue", self.overdue, "money", format_money(self.overdue), (
                Comparison(f"{format_money(self.over_90)} more than 90 days late",
                           good=None if self.over_90 == 0 else False),)),
            Kpi("collected", "Collected this month", self.collected, "money", format_money(self.collected), (
                Comparison(f"{self.payments:,} payment{'s' if self.payments != 1 else ''} {month}"),)),
            Kpi("credit", "Unallocated payments", self.credit, "money", format_money(self.credit), (
                Comparison("Customers' credit, not yet allocated to invoices"),)),
        ]


def finance_summary(actor: Actor) -> FinanceSummary:
    """The start page's figures for the actor's area, from the services behind the lists."""
    today = business_today()
    regions = receivables_by_region(actor, as_of=today)
    month_start = today.replace(day=1)
    month = fetch_page(actor, payments_table(actor), TableQuery(
        filters={"received_on": {"from": month_start.isoformat(), "to": today.isoformat()}}, page_size=1))
    zero = Decimal("0.00")
    return FinanceSummary(
        outstanding=sum((r.outstanding for r in regions), zero), overdue=sum((r.overdue for r in regions), zero),
        over_90=sum((r.buckets["days_over_90"] for r in regions), zero), credit=sum((r.credit for r in regions), zero),
        owing=sum(r.owing for r in regions), customers=sum(r.customers for r in regions),
        collected=month.totals.get("amount", zero), payments=month.total_rows, month_start=month_start, today=today)


async def finance_page() -> RedirectResponse | None:
    actor = await signed_in("finance.view", path="/finance")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        finance_tabs("/finance")
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"Money owed and received in {area}.").classes("text-grey-7").mark("finance-area")
            if actor.can("payments.record"):
                ui.button("Record payment", icon="add_card", on_click=lambda: ui.navigate.to("/finance/payments/new")) \
                    .props("unelevated no-caps").mark("payment-record")
        cards = ui.element("div").classes("grid grid-cols-2 lg:grid-cols-4 gap-3 w-full").mark("finance-summary")
        with cards:
            ui.spinner(size="lg")
        with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 lg:grid-cols-4 gap-3 w-full"):
            for path, title, text, icon in LINKS:
                with ui.link(target=path).classes("no-underline text-inherit"), \
                        ui.card().props("flat bordered").classes("h-full gap-1 hover:bg-grey-2 cursor-pointer") \
                        .mark(f"finance-link-{path.rsplit('/', 1)[1]}"):
                    with ui.row().classes("items-center gap-2 no-wrap"):
                        ui.icon(icon, size="sm").classes("text-primary")
                        ui.label(title).classes("text-subtitle1 text-weight-medium text-grey-10")
                    ui.label(text).classes("text-body2 text-grey-7")
    await ui.context.client.connected()
    shown: dict[str, KpiCard] = {}

    async def load(_events: list[DomainEvent] | None = None) -> None:
        try:
            summary = await run.io_bound(finance_summary, actor)
        except DomainError as exc:
            cards.clear()
            with cards:
                ui.label(exc.message).classes("text-negative")
            return
        if summary is None or cards.is_deleted:  # None: the app is stopping
            return
        if shown:
            for kpi in summary.kpis():
                shown[kpi.key].update(kpi)
            return
        cards.clear()
        with cards:
            shown.update({kpi.key: KpiCard(kpi) for kpi in summary.kpis()})

    with body:
        live.follow(actor, FOLLOWS, load)
    await load()
    return None


PAGES = [Page("/finance", finance_page, TITLE, "account_balance_wallet", "finance.view", order=40)]
