"""/parties in a simulated browser: scoped lists and pickers, creating a retailer, errors next to the fields,
read-only records, and refusals shown as messages — with the database checked after every refusal."""

import asyncio
from decimal import Decimal

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import func, select

from dashboard.components.data_table import DataTable
from dashboard.components.search_select import SearchSelect
from domain.db import reading
from domain.models import AuditLog, Party, PartyKind
from domain.queries import audit as audit_q
from domain.queries import parties as parties_q
from tests.ui.helpers import eventually, present, sign_in, the

RETRIES = 100  # should_see waits 0.1 s between tries: pages and services answer asynchronously


async def confirm(user: User, answer: str) -> None:
    """Answer the confirmation dialog, which opens once the click's handler runs."""
    await user.should_see(marker=answer, retries=RETRIES)
    user.find(marker=answer).click()


def party_count() -> tuple[int, int]:
    with reading() as s:
        return (s.exec(select(func.count()).select_from(Party)).one(),
                s.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action.startswith("party."))).one())


def stored(code: str) -> Party | None:
    with reading() as s:
        return parties_q.party_by_code(s, code)


async def options_loaded(user: User, marker: str) -> dict[str, str]:
    picker = the(user, marker)
    assert isinstance(picker, SearchSelect)
    await eventually(lambda: picker._generation > 0 and len(picker.options) > int(picker.value is not None),
                     f"the options of {marker}")
    return dict(picker.options)


@pytest.fixture
def chain(factories):
    """Rift: a distributor with a retailer; Nairobi: a distributor."""
    places = factories.geography()
    depot = factories.party(PartyKind.DISTRIBUTOR, places["nakuru_town"], code="D-NKR", name="Nakuru Wholesalers",
                            credit_limit="150000")
    factories.party(PartyKind.RETAILER, places["nakuru_town"], code="R-NKR", name="Mama Njeri Shop",
                    distributor=depot, credit_limit="20000", payment_terms_days=14)
    factories.party(PartyKind.DISTRIBUTOR, places["westlands"], code="D-WST", name="Westlands Depot")
    return places


async def test_a_regional_users_party_list_shows_only_their_region(user: User, factories, chain) -> None:
    factories.user("regional_sales", username="rita", scope_code="RFT")
    await sign_in(user, "rita", "/parties")
    await eventually(lambda: present(user, kind=DataTable), "the list")  # added once the page is connected
    table = the(user, kind=DataTable)
    assert isinstance(table, DataTable)
    await eventually(lambda: table.page is not None, "the first page")
    assert [(r["code"], r["territory"], r["region"]) for r in table.table.rows] == [
        ("R-NKR", "Nakuru Town", "Rift"), ("D-NKR", "Nakuru Town", "Rift")]
    assert table.table.rows[0]["distributor"] == "Nakuru Wholesalers"
    assert table.table.rows[0]["credit_limit"] == "KES 20,000.00" and table.totals["credit_limit"] == "KES 170,000.00"
    await user.should_see("2 rows", retries=RETRIES)
    await user.should_not_see("Westlands Depot")
    await user.should_not_see(marker="party-new")  # reading is all regional sales may do


async def test_an_admin_creates_a_retailer_with_its_distributor(user: User, factories, chain) -> None:
    factories.user("admin", username="ada")
    await sign_in(user, "ada", "/parties")
    user.find(marker="party-new").click()
    await user.should_see("New customer or site", retries=RETRIES)
    territories = await options_loaded(user, "party-territory")
    await user.should_not_see(marker="party-supplying-distributor")  # only retailers have one

    user.find(marker="party-kind").click()
    user.find("Retailer").click()
    assert the(user, "party-kind").value == "retailer"
    distributors = await options_loaded(user, "party-supplying-distributor")
    assert distributors == {"D-NKR": "Nakuru Wholesalers (D-NKR)", "D-WST": "Westlands Depot (D-WST)"}
    user.find(marker="party-code").type("r-nak-02")
    user.find(marker="party-name").type("Baraka Mini Market")
    user.find(marker="party-territory").click()
    user.find(territories["NKR-T"]).click()
    user.find(marker="party-phone").type("+254 722 000 111")
    user.find(marker="party-credit-limit").clear().type("25,000.50")
    user.find(marker="party-payment-terms").clear().type("14")
    user.find(marker="party-supplying-distributor").click()
    user.find("Nakuru Wholesalers (D-NKR)").click()
    user.find(marker="party-save").click()

    await eventually(lambda: stored("R-NAK-02") is not None, "the new retailer")
    saved = stored("R-NAK-02")
    depot = stored("D-NKR")
    assert saved is not None and depot is not None
    assert (saved.kind, saved.name, saved.territory_id, saved.parent_distributor_id) == (
        PartyKind.RETAILER, "Baraka Mini Market", chain["nakuru_town"].id, depot.id)
    assert (saved.credit_limit, saved.payment_terms_days, saved.phone) == (Decimal("25000.50"), 14, "+254 722 000 111")
    await user.should_see("Baraka Mini Market added", retries=RETRIES)
    await eventually(lambda: the(user, "party-title").text == "Baraka Mini Market", "the saved party's form")
    assert the(user, "party-credit-limit").value == "25,000.50"
    assert the(user, "party-kind").enabled is False  # a retailer stays a retailer
    with reading() as s:
        assert [r.actor_name for r in audit_q.rows(s, action="party.create", entity_id=str(saved.id))] == ["ada"]


async def test_a_bad_credit_limit_is_shown_next_to_the_field_and_nothing_is_written(
    user: User, factories, chain,
) -> None:
    factories.user("admin", username="ada")
    await sign_in(user, "ada", "/parties/new")
    await options_loaded(user, "party-territory")
    before = party_count()
    the(user, "party-kind").value = "factory"
    user.find(marker="party-code").type("F-2")
    user.find(marker="party-name").type("Eldoret Bakery")
    the(user, "party-territory").value = "NKR-T"
    user.find(marker="party-credit-limit").clear().type("12.345")
    user.find(marker="party-save").click()

    field = the(user, "party-credit-limit")
    await eventually(lambda: bool(field.props.get("error")), "the credit limit error")
    assert field.props["error-message"] == "Credit limit must be an amount with at most 2 decimal places"
    assert not the(user, "party-code").props.get("error")
    assert party_count() == before and stored("F-2") is None


async def test_the_territory_picker_of_a_scoped_user_offers_only_places_in_their_area(
    user: User, factories, chain,
) -> None:
    factories.user("finance", username="fiona", scope_code="RFT")  # finance may manage parties
    await sign_in(user, "fiona", "/parties/new")
    territories = await options_loaded(user, "party-territory")
    assert territories == {"RFT": "Rift (RFT) · Region", "NKR": "Nakuru (NKR) · Area",
                           "NKR-T": "Nakuru Town (NKR-T) · Territory"}
    the(user, "party-kind").value = "retailer"
    assert await options_loaded(user, "party-supplying-distributor") == {"D-NKR": "Nakuru Wholesalers (D-NKR)"}


async def test_readers_see_a_record_without_a_form_and_nothing_outside_their_area(
    user: User, factories, chain,
) -> None:
    factories.user("regional_sales", username="rita", scope_code="RFT")
    shop, westlands = stored("R-NKR"), stored("D-WST")
    assert shop is not None and westlands is not None
    await sign_in(user, "rita", f"/parties/{shop.id}")
    await user.should_see("Mama Njeri Shop", kind=ui.label, retries=RETRIES)
    assert the(user, "fact-credit-limit").text == "KES 20,000.00"
    assert the(user, "fact-supplying-distributor").text == "Nakuru Wholesalers"
    assert the(user, "fact-territory").text == "Nakuru Town"
    await user.should_not_see(marker="party-save")
    await user.open(f"/parties/{westlands.id}")
    await user.should_see("Westlands Depot is outside your area (Rift).", retries=RETRIES)
    await user.open("/parties/12abc")
    await user.should_see("No party with id 12abc.", retries=RETRIES)
    await user.open("/parties/new")
    await user.should_see("Not permitted", retries=RETRIES)


async def test_refusals_are_shown_and_confirmed_changes_are_made(user: User, factories, chain) -> None:
    factories.user("admin", username="ada")
    depot = stored("D-NKR")
    assert depot is not None
    await sign_in(user, "ada", f"/parties/{depot.id}")
    await user.should_see(marker="party-deactivate", retries=RETRIES)
    before = party_count()
    user.find(marker="party-deactivate").click()
    await confirm(user, "confirm-yes")
    await user.should_see("Nakuru Wholesalers still supplies 1 active retailer", retries=RETRIES)
    user.find(marker="party-delete").click()
    await confirm(user, "confirm-yes")
    await user.should_see("is the supplying distributor of 1 retailer; deactivate it instead.", retries=RETRIES)
    assert party_count() == before and stored("D-NKR").is_active  # type: ignore[union-attr]

    westlands = stored("D-WST")
    assert westlands is not None
    await user.open(f"/parties/{westlands.id}")
    await user.should_see(marker="party-deactivate", retries=RETRIES)
    user.find(marker="party-deactivate").click()
    await confirm(user, "confirm-cancel")
    await asyncio.sleep(0.2)
    assert stored("D-WST").is_active  # type: ignore[union-attr]
    user.find(marker="party-deactivate").click()
    await confirm(user, "confirm-yes")
    await user.should_see(marker="party-reactivate", retries=RETRIES)
    assert the(user, "party-status").text == "Inactive" and not stored("D-WST").is_active  # type: ignore[union-attr]
    user.find(marker="party-delete").click()
    await confirm(user, "confirm-yes")
    await user.should_see("Westlands Depot (D-WST) was deleted.", retries=RETRIES)
    assert stored("D-WST") is None
