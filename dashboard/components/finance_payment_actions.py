"""The two dialogs on a payment: "Allocate credit" (what the payment still holds, oldest first or to chosen
invoices, with the split shown live) and "Release allocations" (all, or those to one invoice, with a reason; the
money goes back to the payment as credit). Refusals stay in the dialog; nothing is written until the service
accepts."""

from collections.abc import Awaitable, Callable
from typing import Any

from nicegui import run, ui

from dashboard.components.finance_allocation import AllocationPicker
from domain.access import Actor
from domain.errors import DomainError, ValidationFailed
from domain.formatting import format_money
from domain.services.invoices import open_invoices
from domain.services.payments import PaymentDetail, allocate_payment, release_allocations

Done = Callable[[str], Awaitable[None]]


def _problem_label() -> ui.label:
    label = ui.label().classes("w-full text-negative text-body2 break-words").props("role=alert")
    return label


async def allocate_dialog(actor: Actor, d: PaymentDetail, holder: ui.element, done: Done) -> None:
    p = d.payment
    with holder, ui.dialog() as dialog, ui.card().classes("w-full max-w-xl gap-3").mark("allocate-dialog"):
        ui.label(f"Allocate {p.number}'s credit").classes("text-h6")
        ui.label(f"{format_money(d.unallocated)} of {format_money(p.amount)} is not yet allocated. {d.customer}'s "
                 "open invoices are listed due first.").classes("text-body2")
        mode = ui.toggle({"oldest": "Oldest first", "choose": "Choose invoices"}, value="oldest") \
            .props("no-caps unelevated toggle-color=primary color=grey-3 text-color=grey-9").mark("allocate-mode")
        split = ui.label().classes("text-body2 text-weight-medium").mark("allocate-split")

        def show_split() -> None:
            allocated = picker.allocated
            left = d.unallocated - allocated
            split.text = (f"Allocated {format_money(allocated)} · stays as credit {format_money(left)}" if left >= 0
                          else f"Allocated {format_money(allocated)}: {format_money(-left)} more than the credit")

        picker = AllocationPicker(on_change=show_split)
        picker.mode = "oldest"
        mode.on_value_change(lambda e: picker.set_mode(str(e.value)))
        problem = _problem_label().mark("allocate-problem")
        problem.visible = False
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Cancel", on_click=dialog.close).props("flat no-caps").mark("allocate-cancel")
            go = ui.button("Allocate", icon="playlist_add_check").props("unelevated no-caps").mark("allocate-confirm")

    async def allocate() -> None:
        picker.clear_errors()
        problem.visible = False
        wanted: Any = picker.wanted()
        if wanted == []:
            problem.text, problem.visible = "Tick at least one invoice, or allocate oldest first.", True
            return
        go.props("loading")
        try:
            payment = await run.io_bound(allocate_payment, actor, payment_id=p.id or 0, allocations=wanted)
        except ValidationFailed as exc:
            rest = picker.show_errors(exc.errors)
            if rest:
                problem.text, problem.visible = "; ".join(f"{k} {v}" for k, v in rest.items()), True
            return
        except DomainError as exc:
            problem.text, problem.visible = exc.message, True
            return
        finally:
            go.props(remove="loading")
        dialog.close()
        if payment is not None:
            await done(f"{p.number}: {format_money(payment.allocated - p.allocated)} allocated")

    go.on_click(allocate)
    dialog.on("hide", dialog.delete)
    dialog.open()
    try:
        found = await run.io_bound(open_invoices, actor, customer_id=p.customer_id)
    except DomainError as exc:
        problem.text, problem.visible = exc.message, True
        return
    if found is not None and not picker.is_deleted:
        picker.show(found, available=d.unallocated, mode="oldest")
        if not found:
            go.disable()


async def release_dialog(actor: Actor, d: PaymentDetail, holder: ui.element, done: Done) -> None:
    p = d.payment
    choices: dict[Any, str] = {0: f"All allocations ({format_money(p.allocated)})"}
    choices.update({a.invoice_id: f"{a.invoice} ({format_money(a.amount)})" for a in d.allocations})
    with holder, ui.dialog() as dialog, ui.card().classes("w-full max-w-md gap-3").mark("release-dialog"):
        ui.label(f"Release {p.number}'s allocations?").classes("text-h6")
        ui.label("For a payment applied to the wrong invoice: the money goes back to the payment as the customer's "
                 "credit and each invoice owes it again. Say why: the reason is kept in the audit trail.") \
            .classes("text-body2")
        which = ui.select(choices, value=0, label="Release").props("outlined").classes("w-full") \
            .mark("release-which")
        reason = ui.input("Reason").props("outlined maxlength=200").classes("w-full").mark("release-reason")
        problem = _problem_label().mark("release-problem")
        with ui.row().classes("w-full justify-end gap-2"):
            ui.button("Keep them", on_click=dialog.close).props("flat no-caps").mark("release-keep")
            go = ui.button("Release", color="negative").props("unelevated no-caps").mark("release-confirm")

    async def release() -> None:
        reason.error, problem.text = None, ""
        go.props("loading")
        invoice = int(which.value or 0) or None
        try:
            payment = await run.io_bound(release_allocations, actor, payment_id=p.id or 0, reason=reason.value or "",
                                         invoice_id=invoice)
        except ValidationFailed as exc:
            reason.error = f"Reason {exc.errors.get('Reason', exc.message)}"
            return
        except DomainError as exc:
            problem.text = exc.message
            return
        finally:
            go.props(remove="loading")
        dialog.close()
        if payment is not None:
            await done(f"{p.number}: {format_money(p.allocated - payment.allocated)} released as credit")

    go.on_click(release)
    dialog.on("hide", dialog.delete)
    dialog.open()
