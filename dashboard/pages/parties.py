"""/parties: the factories, distributors and retailers of the user's area — the list, a new one, and one of them.

People with parties.manage add, change, deactivate, reactivate and delete; everyone else with masterdata.view reads.
"""

from typing import Any

from fastapi.responses import RedirectResponse
from nicegui import run, ui

from dashboard.auth import signed_in
from dashboard.components.data_table import data_table
from dashboard.components.forms import clear_errors, show_errors
from dashboard.components.search_select import SearchSelect
from dashboard.layout import PRODUCT, frame
from dashboard.navigation import Page
from domain.access import Actor
from domain.errors import DomainError, NotFound, ValidationFailed
from domain.formatting import format_money
from domain.models import PartyKind
from domain.services.geography import geo_choices
from domain.services.parties import (
    PartyRow,
    create_party,
    deactivate_party,
    delete_party,
    get_party,
    parties_table,
    party_choices,
    reactivate_party,
    update_party,
)
from domain.tables import choice_label

TITLE = "Customers & sites"
KINDS = {kind.value: choice_label(kind) for kind in PartyKind}
GEO_LIMIT = 200  # places in the first answer of the territory picker; more are found by typing
DISTRIBUTOR_LIMIT = 50  # what party_choices returns at most
# Quasar keeps one line under a field for its error; on a phone a long error wraps, so let the field grow instead.
_FORM_CSS = """
.party-form .q-field--with-bottom { padding-bottom: 0; }
.party-form .q-field__bottom { position: static; transform: none; padding: 4px 12px 0; min-height: 20px; }
"""


def _territory_options(actor: Actor, search: str | None) -> dict[str, str]:
    return {c.code: f"{c.label} · {choice_label(c.level)}" for c in geo_choices(actor, search=search, limit=GEO_LIMIT)}


def _distributor_options(actor: Actor, search: str | None) -> dict[str, str]:
    found = party_choices(actor, kind=PartyKind.DISTRIBUTOR, search=search, limit=DISTRIBUTOR_LIMIT)
    return {c.code: c.label for c in found}


def _back_link() -> None:
    with ui.link(target="/parties").classes("no-underline text-primary"):
        with ui.row().classes("items-center gap-1"):
            ui.icon("arrow_back", size="xs")
            ui.label(f"All {TITLE.lower()}")


# --- /parties ------------------------------------------------------------------------------------------------


async def parties_page() -> RedirectResponse | None:
    actor = await signed_in("masterdata.view", path="/parties")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        with ui.row(wrap=True, align_items="center").classes("w-full justify-between gap-2"):
            area = actor.scope_name or "the whole company"
            ui.label(f"Factories, distributors and retailers in {area}. Open one by clicking its row.").classes(
                "text-grey-7")
            if actor.can("parties.manage"):
                ui.button("New", icon="add", on_click=lambda: ui.navigate.to("/parties/new")) \
                    .props("unelevated no-caps").mark("party-new")
    await ui.context.client.connected()
    source = await run.io_bound(parties_table, actor)
    if source is None:  # the app is shutting down
        return None
    with body:
        data_table(actor, source, page_size=25, on_row_click=lambda row: ui.navigate.to(f"/parties/{row['id']}"))
    return None


# --- /parties/new and /parties/{id} --------------------------------------------------------------------------


async def new_party_page() -> RedirectResponse | None:
    actor = await signed_in("parties.manage", path="/parties/new")
    if not isinstance(actor, Actor):
        return actor
    ui.page_title(f"New customer or site · {PRODUCT}")
    with frame(TITLE, actor) as body:
        _back_link()
        holder = ui.column().classes("w-full gap-4")
    await ui.context.client.connected()
    with body:
        await PartyView(actor, holder).show(None)
    return None


async def party_page(party_id: str) -> RedirectResponse | None:
    if party_id == "new":  # whichever of the two routes was registered first
        return await new_party_page()
    actor = await signed_in("masterdata.view", path=f"/parties/{party_id}")
    if not isinstance(actor, Actor):
        return actor
    with frame(TITLE, actor) as body:
        _back_link()
        holder = ui.column().classes("w-full gap-4")
    await ui.context.client.connected()
    try:
        row = await run.io_bound(get_party, actor, party_id=_as_id(party_id))
    except DomainError as exc:
        with holder:
            _message("block" if not isinstance(exc, NotFound) else "search_off", exc.message)
        return None
    ui.page_title(f"{row.name} · {PRODUCT}")
    with body:
        await PartyView(actor, holder).show(row)
    return None


def _as_id(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise NotFound(f"No party with id {text[:40]}.")
    return int(text)


def _message(icon: str, text: str) -> None:
    with ui.card().classes("q-pa-lg"):
        with ui.row().classes("items-center gap-2 no-wrap"):
            ui.icon(icon, size="md").classes("text-grey-7")
            ui.label(text).mark("party-message")


async def _confirm(question: str, action: str) -> bool:
    with ui.dialog() as dialog, ui.card().classes("q-pa-md gap-3"):
        ui.label(question).classes("text-body1")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=lambda: dialog.submit(False)).props("flat no-caps").mark("confirm-cancel")
            ui.button(action, on_click=lambda: dialog.submit(True)).props("unelevated no-caps color=negative") \
                .mark("confirm-yes")
    answer = await dialog
    dialog.delete()
    return bool(answer)


class PartyView:
    """One party (or a new one) inside `holder`: a form for people with parties.manage, facts for everyone else."""

    def __init__(self, actor: Actor, holder: ui.column) -> None:
        self.actor, self.holder = actor, holder
        self.row: PartyRow | None = None
        self.fields: dict[str, Any] = {}

    async def show(self, row: PartyRow | None) -> None:
        self.row = row
        self.holder.clear()
        with self.holder:
            self._heading(row)
            if row is not None and not self.actor.can("parties.manage"):
                self._facts(row)
                return
            loads = self._form(row)
        for picker in loads:
            await picker.load()

    def _heading(self, row: PartyRow | None) -> None:
        with ui.row(wrap=True, align_items="center").classes("gap-2"):
            ui.label(row.name if row else "New customer or site").classes("text-h5").mark("party-title")
            if row is not None:
                ui.badge(KINDS[row.kind.value], color="secondary").props("rounded")
                status, color = ("Active", "positive") if row.is_active else ("Inactive", "grey-7")
                ui.badge(status, color=color).props("rounded").mark("party-status")

    def _facts(self, row: PartyRow) -> None:
        facts = [
            ("Kind", KINDS[row.kind.value]), ("Code", row.code), ("Name", row.name),
            ("Territory", row.territory_name), ("Phone", row.phone or "—"), ("Email", row.email or "—"),
            ("Credit limit", format_money(row.credit_limit)),
            ("Payment terms", f"{row.payment_terms_days} days"),
        ]
        if row.kind is PartyKind.RETAILER:
            facts.append(("Supplying distributor", row.distributor_name or "—"))
        with ui.card().classes("w-full max-w-3xl gap-2"):
            for label, value in facts:
                with ui.row().classes("gap-4 no-wrap"):
                    ui.label(label).classes("text-grey-7 w-32 sm:w-44 shrink-0")
                    ui.label(value).classes("break-words min-w-0").mark(f"fact-{label.lower().replace(' ', '-')}")
            ui.label("You can read this record; changing it needs the right to manage parties.").classes(
                "text-caption text-grey-7 q-mt-sm")

    def _form(self, row: PartyRow | None) -> list[SearchSelect]:
        actor = self.actor
        ui.add_css(_FORM_CSS)
        with ui.card().classes("party-form w-full max-w-3xl gap-3"):
            with ui.element("div").classes("grid grid-cols-1 sm:grid-cols-2 gap-x-4 gap-y-1 w-full"):
                kind = ui.select(KINDS, label="Kind", value=row.kind.value if row else None)
                if row is not None:
                    kind.disable()
                    kind.props("hint='The kind of a party cannot change'")
                code = ui.input("Code", value=row.code if row else "").props("maxlength=20")
                name = ui.input("Name", value=row.name if row else "").props("maxlength=120")
                territory = SearchSelect(
                    "Territory", load=lambda text: _territory_options(actor, text), limit=GEO_LIMIT,
                    value=row.territory_code if row else None,
                    value_label=f"{row.territory_name} ({row.territory_code})" if row else None)
                phone = ui.input("Phone", value=(row.phone or "") if row else "", placeholder="+254 712 345 678") \
                    .props("type=tel maxlength=30")
                email = ui.input("Email", value=(row.email or "") if row else "").props("type=email maxlength=200")
                credit = ui.input("Credit limit (KES)", value=f"{row.credit_limit:,.2f}" if row else "0.00") \
                    .props("inputmode=decimal")
                terms = ui.input("Payment terms (days)", value=str(row.payment_terms_days) if row else "0") \
                    .props("inputmode=numeric")
                distributor = SearchSelect(
                    "Supplying distributor", load=lambda text: _distributor_options(actor, text),
                    limit=DISTRIBUTOR_LIMIT, value=row.distributor_code if row else None,
                    value_label=f"{row.distributor_name} ({row.distributor_code})" if row and row.distributor_code
                    else None)
                distributor.bind_visibility_from(kind, "value", backward=lambda value: value == PartyKind.RETAILER)
            self.fields = {"Kind": kind, "Code": code, "Name": name, "Territory": territory, "Phone": phone,
                           "Email": email, "Credit limit": credit, "Payment terms": terms,
                           "Supplying distributor": distributor}
            for label, field in self.fields.items():
                field.props("outlined").classes("w-full").mark(f"party-{label.lower().replace(' ', '-')}")
            with ui.row(wrap=True, align_items="center").classes("w-full gap-2"):
                save = ui.button("Save", icon="save").props("unelevated no-caps").mark("party-save")
                save.on_click(lambda: self._save(save))
                if row is not None:
                    ui.space()
                    with ui.row(align_items="center").classes("gap-2 no-wrap"):
                        self._lifecycle_buttons(row)
        return [territory, distributor]

    def _lifecycle_buttons(self, row: PartyRow) -> None:
        if row.is_active:
            ui.button("Deactivate", icon="block", on_click=self._deactivate) \
                .props("outline no-caps").mark("party-deactivate")
        else:
            ui.button("Reactivate", icon="restart_alt", on_click=self._reactivate) \
                .props("outline no-caps").mark("party-reactivate")
        ui.button("Delete", icon="delete", on_click=self._delete) \
            .props("flat no-caps color=negative").mark("party-delete")

    def _values(self) -> dict[str, Any]:
        f = self.fields
        values: dict[str, Any] = {
            "code": f["Code"].value or "", "name": f["Name"].value or "", "territory_code": f["Territory"].value or "",
            "phone": f["Phone"].value or None, "email": f["Email"].value or None,
            "credit_limit": f["Credit limit"].value or "", "payment_terms_days": f["Payment terms"].value or "",
        }
        if f["Kind"].value == PartyKind.RETAILER:
            values["distributor_code"] = f["Supplying distributor"].value or ""
        return values

    async def _save(self, button: ui.button) -> None:
        clear_errors(self.fields)
        kind = self.fields["Kind"].value
        if kind is None:
            show_errors(self.fields, ValidationFailed.field("Kind", "is required"))
            return
        button.props("loading")
        try:
            if self.row is None:
                party = await run.io_bound(create_party, self.actor, kind=kind, **self._values())
            else:
                party = await run.io_bound(update_party, self.actor, party_id=self.row.id, **self._values())
        except ValidationFailed as exc:
            show_errors(self.fields, exc)
            return
        except DomainError as exc:
            self._notify(exc.message, "negative")
            return
        finally:
            button.props(remove="loading")
        assert party.id is not None
        created = self.row is None
        await self._reload(party.id)
        if created:
            with self.holder:  # the clicked button is gone with the old form
                ui.navigate.history.replace(f"/parties/{party.id}")
        self._notify(f"{party.name} {'added' if created else 'saved'}", "positive")

    def _notify(self, message: str, kind: str) -> None:
        with self.holder:
            ui.notify(message, type=kind, multi_line=True)

    async def _reload(self, party_id: int) -> None:
        try:
            row = await run.io_bound(get_party, self.actor, party_id=party_id)
        except DomainError as exc:  # e.g. moved out of one's own area
            self.holder.clear()
            with self.holder:
                _message("block", exc.message)
            return
        ui.page_title(f"{row.name} · {PRODUCT}")
        await self.show(row)

    async def _deactivate(self) -> None:
        assert self.row is not None
        question = f"Deactivate {self.row.name}? It stays on past records but is not offered for new ones."
        await self._change(question, "Deactivate", deactivate_party, "deactivated")

    async def _reactivate(self) -> None:
        assert self.row is not None
        await self._change(f"Reactivate {self.row.name}?", "Reactivate", reactivate_party, "reactivated")

    async def _change(self, question: str, action: str, service: Any, done: str) -> None:
        row = self.row
        assert row is not None
        if not await _confirm(question, action):
            return
        try:
            await run.io_bound(service, self.actor, party_id=row.id)
        except DomainError as exc:
            self._notify(exc.message, "negative")
            return
        await self._reload(row.id)
        self._notify(f"{row.name} {done}", "positive")

    async def _delete(self) -> None:
        row = self.row
        assert row is not None
        if not await _confirm(f"Delete {row.name} for good? Only a party nothing refers to can be deleted.", "Delete"):
            return
        try:
            await run.io_bound(delete_party, self.actor, party_id=row.id)
        except DomainError as exc:
            self._notify(exc.message, "negative")
            return
        self.holder.clear()
        with self.holder:
            _message("delete", f"{row.name} ({row.code}) was deleted.")
        self._notify(f"{row.name} deleted", "positive")


PAGES = [
    Page("/parties", parties_page, TITLE, "storefront", "masterdata.view", order=60),
    Page("/parties/new", new_party_page, permission="parties.manage"),
    Page("/parties/{party_id}", party_page, permission="masterdata.view"),
]
