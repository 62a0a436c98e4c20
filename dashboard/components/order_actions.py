"""The lifecycle buttons of one order — Confirm, Dispatch, Deliver, Cancel order — for the steps its reader may take
now (`OrderDetail.actions`), each through its service off the event loop.

A refused step (credit, stock, someone else moved the order first) shows its message above the buttons. A
confirmation refused by credit offers "Confirm anyway" to people holding credit.override. Cancelling asks for a
reason in a dialog; dispatching, delivering and overriding credit ask "are you sure?" first.
"""

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from nicegui import run, ui

from dashboard.components.dialogs import Confirm
from domain.access import Actor
from domain.errors import CreditLimitExceeded, DomainError, ValidationFailed
from domain.formatting import format_money, format_quantity
from domain.services.order_views import OrderDetail
from domain.services.orders import cancel_order, confirm_order, deliver_order, dispatch_order

Done = Callable[[str], Awaitable[None]]  # called with "PO-000001 dispatched" after a step went through


class OrderActions(ui.column):
    def __init__(self, actor: Actor, detail: OrderDetail, *, on_done: Done) -> None:
        super().__init__()
        self.classes("w-full gap-2")
        self.actor, self.detail, self.on_done = actor, detail, on_done
        self.buttons: list[ui.button] = []
        with self:
            self.ask = Confirm()
            self.problem = ui.label().classes("text-negative text-body2 break-words w-full bg-red-1 q-pa-sm "
                                              "rounded-borders").props("role=alert").mark("order-problem")
            self.problem.set_visibility(False)
            with ui.row(wrap=True, align_items="center").classes("gap-2"):
                self._button("confirm", "Confirm", "check_circle", self._confirm)
                self._button("dispatch", "Dispatch", "local_shipping", self._dispatch)
                self._button("deliver", "Deliver", "inventory", self._deliver)
                self._button("cancel", "Cancel order", "cancel", self._cancel, props="outline color=negative")
                self.anyway = ui.button("Confirm anyway", icon="gpp_maybe", on_click=self._confirm_anyway) \
                    .props("unelevated no-caps color=warning text-color=black").mark("order-confirm-anyway")
                self.anyway.set_visibility(False)

    def _button(self, action: str, text: str, icon: str, handler: Callable[[], Awaitable[None]], *,
                props: str = "unelevated") -> None:
        if self.detail.may(action):
            button = ui.button(text, icon=icon, on_click=handler).props(f"{props} no-caps").mark(f"order-{action}")
            self.buttons.append(button)

    def _show_problem(self, message: str | None) -> None:
        self.problem.text = message or ""
        self.problem.set_visibility(bool(message))

    async def _run(self, call: Callable[[], Any], done: str) -> None:
        """Take one step: buttons wait while it runs; a refusal becomes the message, success reloads the page."""
        self._show_problem(None)
        for button in self.buttons:
            button.disable()
        try:
            order = await run.io_bound(call)
        except CreditLimitExceeded as exc:
            self._show_problem(exc.message)
            self.anyway.set_visibility(self.detail.can_override_credit)
            return
        except DomainError as exc:
            self._show_problem(exc.message)
            return
        finally:
            for button in self.buttons:
                button.enable()
        if order is not None:  # None: the app is stopping
            await self.on_done(f"{self.detail.number} {done}")

    async def _confirm(self) -> None:
        await self._run(partial(confirm_order, self.actor, order_id=self.detail.id), "confirmed")

    async def _confirm_anyway(self) -> None:
        d = self.detail
        if await self.ask.ask(f"Confirm {d.number} beyond the credit limit?",
                              f"{d.customer} would owe more than their credit limit allows. Your override is "
                              "recorded in the audit trail with the figures above.", "Confirm anyway",
                              color="warning"):
            self.anyway.set_visibility(False)
            await self._run(partial(confirm_order, self.actor, order_id=d.id, override_credit=True), "confirmed")

    async def _dispatch(self) -> None:
        d = self.detail
        goods = ", ".join(f"{format_quantity(line.qty)} {line.unit} {line.product}" for line in d.lines)
        if await self.ask.ask(f"Dispatch {d.number}?", f"{goods} leave {d.seller}'s stock now.", "Dispatch"):
            await self._run(partial(dispatch_order, self.actor, order_id=d.id), "dispatched")

    async def _deliver(self) -> None:
        d = self.detail
        if await self.ask.ask(f"Record the delivery of {d.number}?",
                              f"The goods reach {d.customer}'s stock and an invoice for {format_money(d.total)} "
                              "is issued.", "Delivered"):
            await self._run(partial(deliver_order, self.actor, order_id=d.id), "delivered")

    async def _cancel(self) -> None:
        d = self.detail
        with self, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3"):
            ui.label(f"Cancel {d.number}?").classes("text-h6")
            ui.label("Nothing has left the seller yet, so the order simply stops. Say why: the reason stays on "
                     "the order's history.").classes("text-body2")
            reason = ui.input("Reason").props("outlined autofocus maxlength=200").classes("w-full") \
                .mark("cancel-reason")
            problem = ui.label().classes("text-negative text-body2").props("role=alert").mark("cancel-problem")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Keep the order", on_click=dialog.close).props("flat no-caps").mark("cancel-keep")
                go = ui.button("Cancel order", color="negative").props("unelevated no-caps").mark("cancel-confirm")

        async def cancel() -> None:
            reason.error, problem.text = None, ""
            go.props("loading")
            try:
                order = await run.io_bound(cancel_order, self.actor, order_id=d.id, reason=reason.value or "")
            except ValidationFailed as exc:
                reason.error = f"Reason {exc.errors.get('Reason', exc.message)}"
                return
            except DomainError as exc:
                problem.text = exc.message
                return
            finally:
                go.props(remove="loading")
            dialog.close()
            if order is not None:
                await self.on_done(f"{d.number} cancelled")

        go.on_click(cancel)
        dialog.on("hide", dialog.delete)
        dialog.open()


def order_actions(actor: Actor, detail: OrderDetail, *, on_done: Done) -> OrderActions | None:
    """The buttons for the steps `actor` may take on `detail` now; nothing when there are none."""
    return OrderActions(actor, detail, on_done=on_done) if detail.actions else None
