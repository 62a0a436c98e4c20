"""Parties: exact credit limits, retailers tied to a distributor, scope on every read and write,
and every refusal leaves the database exactly as it was."""

from decimal import Decimal

import pytest
from sqlmodel import func, select

from domain.access import SYSTEM
from domain.db import reading
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.events import DomainEvent, bus
from domain.models import AuditLog, Party, PartyKind
from domain.queries import parties as parties_q
from domain.services import geography as geo
from domain.services import parties
from tests.records import audit_rows


def state() -> tuple:
    """Every party column and the audit trail's length."""
    with reading() as s:
        rows = [tuple(p.model_dump().items()) for p in s.exec(select(Party).order_by(Party.id))]
        return rows, s.exec(select(func.count()).select_from(AuditLog)).one()



def stored(code: str) -> Party:
    with reading() as s:
        found = parties_q.party_by_code(s, code)
        assert found is not None
        return found




@pytest.fixture
def chain(places, factories):
    """A distributor in Nakuru Town with one retailer, and a distributor in Westlands Town."""
    nakuru = factories.party(PartyKind.DISTRIBUTOR, places["nakuru_town"], code="D-NKR", name="Nakuru Wholesalers")
    shop = factories.party(PartyKind.RETAILER, places["nakuru_town"], code="R-NKR", name="Mama Njeri Shop",
                           distributor=nakuru)
    westlands = factories.party(PartyKind.DISTRIBUTOR, places["westlands"], code="D-WST", name="Westlands Depot")
    return {"nakuru": nakuru, "shop": shop, "westlands": westlands}


def test_a_retailer_is_created_under_its_distributor_with_an_exact_credit_limit(places, events):
    town = places["nakuru_town"]
    dist = parties.create_party(SYSTEM, kind="distributor", code="d-nkr", name=" Nakuru  Wholesalers ",
                                territory_code="nkr-t", credit_limit="1,234,567.89", payment_terms_days="30",
                                phone="+254 712 345 678", email="orders@nakuru.example.com")
    shop = parties.create_party(SYSTEM, kind=PartyKind.RETAILER, code="R-1", name="Mama Njeri Shop",
                                territory_code="NKR-T", distributor_code="D-NKR")
    saved = stored("D-NKR")
    assert (saved.code, saved.name, saved.kind, saved.territory_id) == (
        "D-NKR", "Nakuru Wholesalers", PartyKind.DISTRIBUTOR, town.id)
    assert saved.credit_limit == Decimal("1234567.89") and saved.payment_terms_days == 30
    assert saved.territory_path == town.path and stored("R-1").parent_distributor_id == dist.id
    assert stored("R-1").credit_limit == Decimal("0.00")
    [row] = audit_rows("party.create", dist.id)
    assert row.before is None and row.after["credit_limit"] == "1234567.89" and row.scope_path == town.path
    assert [(e.name, e.scope_path, e.data["code"]) for e in events] == [
        ("party.created", town.path, "D-NKR"), ("party.created", town.path, "R-1")]
    assert shop.is_active


CREATE_REFUSALS = [
    ({"code": "d-nkr"}, "Code", "D-NKR is already in use"),
    ({"code": ""}, "Code", "is required"),
    ({"name": "  "}, "Name", "is required"),
    ({"kind": "supplier"}, "Kind", "Input should be 'factory', 'distributor' or 'retailer'"),
    ({"territory_code": "NOPE"}, "Territory", "no geography with code NOPE"),
    ({"territory_code": ""}, "Territory", "is required"),
    ({"credit_limit": "-1"}, "Credit limit", "cannot be negative"),
    ({"credit_limit": "10.005"}, "Credit limit", "must be an amount with at most 2 decimal places"),
    ({"credit_limit": "lots"}, "Credit limit", "must be an amount with at most 2 decimal places"),
    ({"credit_limit": "1e15"}, "Credit limit", "is too large"),
    ({"payment_terms_days": 366}, "Payment terms", "must be a whole number of days from 0 to 365"),
    ({"payment_terms_days": -1}, "Payment terms", "must be a whole number of days from 0 to 365"),
    ({"payment_terms_days": "7.5"}, "Payment terms", "must be a whole number of days from 0 to 365"),
    ({"email": "not-an-email"}, "Email", "value is not a valid email address"),
    ({"phone": "call me"}, "Phone", "must be a phone number such as +254 712 345 678"),
    ({"distributor_code": None}, "Supplying distributor", "a retailer needs a supplying distributor"),
    ({"distributor_code": "R-NKR"}, "Supplying distributor", "Mama Njeri Shop is a retailer, not a distributor"),
    ({"distributor_code": "D-NONE"}, "Supplying distributor", "no distributor with code D-NONE in your area"),
    ({"kind": "factory"}, "Supplying distributor", "only retailers have a supplying distributor"),
]


@pytest.mark.parametrize(("change", "field", "text"), CREATE_REFUSALS)
def test_create_refusals_name_the_field_and_write_nothing(chain, events, change, field, text):
    fields = {"kind": "retailer", "code": "R-NEW", "name": "New Shop", "territory_code": "NKR-T",
              "distributor_code": "D-NKR", **change}
    before, events[:] = state(), []
    with pytest.raises(ValidationFailed) as refused:
        parties.create_party(SYSTEM, **fields)
    assert refused.value.errors[field].startswith(text)
    assert state() == before and events == []


def test_inactive_territories_and_distributors_are_not_offered_for_new_parties(chain, places):
    parties.deactivate_party(SYSTEM, party_id=chain["westlands"].id)
    geo.deactivate_geo_node(SYSTEM, node_id=places["westlands"].id)
    before = state()
    with pytest.raises(ValidationFailed, match="Territory: Westlands Town is inactive"):
        parties.create_party(SYSTEM, kind="factory", code="F-1", name="Factory", territory_code="WST-T")
    with pytest.raises(ValidationFailed, match="Supplying distributor: Westlands Depot is inactive"):
        parties.create_party(SYSTEM, kind="retailer", code="R-2", name="Shop", territory_code="NKR-T",
                             distributor_code="D-WST")
    assert state() == before


def test_a_scoped_manager_creates_and_edits_only_inside_the_area(chain, factories):
    manager = factories.actor("finance", scope_code="RFT")
    before = state()
    with pytest.raises(PermissionDenied, match="Westlands Town is outside your area"):
        parties.create_party(manager, kind="distributor", code="D-2", name="Depot", territory_code="WST-T")
    with pytest.raises(ValidationFailed, match="no distributor with code D-WST in your area"):
        parties.create_party(manager, kind="retailer", code="R-2", name="Shop", territory_code="NKR-T",
                             distributor_code="D-WST")
    with pytest.raises(PermissionDenied, match="Westlands Depot is outside your area"):
        parties.update_party(manager, party_id=chain["westlands"].id, name="Renamed")
    with pytest.raises(PermissionDenied, match="Westlands Town is outside your area"):
        parties.update_party(manager, party_id=chain["nakuru"].id, territory_code="WST-T")
    with pytest.raises(PermissionDenied, match="Westlands Depot is outside your area"):
        parties.deactivate_party(manager, party_id=chain["westlands"].id)
    assert state() == before
    assert parties.update_party(manager, party_id=chain["nakuru"].id, credit_limit="500").credit_limit == 500


def test_changes_need_parties_manage(chain, factories):
    sales = factories.actor("regional_sales")
    before = state()
    with pytest.raises(PermissionDenied, match="manage factories, distributors and retailers"):
        parties.create_party(sales, kind="factory", code="F-1", name="Factory", territory_code="NKR-T")
    with pytest.raises(PermissionDenied):
        parties.update_party(sales, party_id=chain["shop"].id, name="X")
    with pytest.raises(PermissionDenied):
        parties.delete_party(sales, party_id=chain["shop"].id)
    assert state() == before


def test_update_is_audited_before_and_after(chain, places, events):
    updated = parties.update_party(SYSTEM, party_id=chain["shop"].id, name="Mama Njeri Supermarket",
                                   credit_limit="25000.50", distributor_code="D-WST", territory_code="WST-T")
    assert updated.territory_path == places["westlands"].path == stored("R-NKR").territory_path
    assert stored("R-NKR").parent_distributor_id == chain["westlands"].id
    [row] = audit_rows("party.update", chain["shop"].id)
    assert (row.before["name"], row.after["name"]) == ("Mama Njeri Shop", "Mama Njeri Supermarket")
    assert (row.before["credit_limit"], row.after["credit_limit"]) == ("0.00", "25000.50")
    assert (row.before["territory_path"], row.after["territory_path"]) == (
        places["nakuru_town"].path, places["westlands"].path)
    assert [(e.name, e.scope_path, e.data["old_path"]) for e in events] == [
        ("party.updated", places["westlands"].path, places["nakuru_town"].path)]
    parties.update_party(SYSTEM, party_id=chain["shop"].id, name="Mama Njeri Supermarket")  # no change
    assert len(audit_rows("party.update", chain["shop"].id)) == 1


def test_update_refusals_write_nothing(chain):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        parties.update_party(SYSTEM, party_id=chain["nakuru"].id, kind="retailer")
    assert refused.value.errors == {"Kind": "a distributor cannot become a retailer; add a new party instead"}
    with pytest.raises(ValidationFailed, match="Code: D-WST is already in use"):
        parties.update_party(SYSTEM, party_id=chain["nakuru"].id, code="d-wst")
    with pytest.raises(ValidationFailed, match="Payment terms"):
        parties.update_party(SYSTEM, party_id=chain["nakuru"].id, payment_terms_days=400)
    with pytest.raises(ValidationFailed, match="Supplying distributor: a retailer needs"):
        parties.update_party(SYSTEM, party_id=chain["shop"].id, distributor_code="")
    with pytest.raises(TypeError):
        parties.update_party(SYSTEM, party_id=chain["shop"].id, colour="red")
    assert state() == before


def test_a_distributor_hands_over_its_active_retailers_before_deactivation(chain, events):
    before = state()
    with pytest.raises(Conflict, match="Nakuru Wholesalers still supplies 1 active retailer; give them another"):
        parties.deactivate_party(SYSTEM, party_id=chain["nakuru"].id)
    assert state() == before and events == []
    parties.deactivate_party(SYSTEM, party_id=chain["shop"].id)
    assert not parties.deactivate_party(SYSTEM, party_id=chain["nakuru"].id).is_active
    [row] = audit_rows("party.deactivate", chain["nakuru"].id)
    assert (row.before["is_active"], row.after["is_active"]) == (True, False)
    assert [e.name for e in events] == ["party.deactivated"] * 2

    before = state()
    with pytest.raises(Conflict, match="Nakuru Wholesalers, which supplies Mama Njeri Shop, is inactive"):
        parties.reactivate_party(SYSTEM, party_id=chain["shop"].id)
    assert state() == before
    parties.reactivate_party(SYSTEM, party_id=chain["nakuru"].id)
    assert parties.reactivate_party(SYSTEM, party_id=chain["shop"].id).is_active
    [row] = audit_rows("party.reactivate", chain["shop"].id)
    assert (row.before["is_active"], row.after["is_active"]) == (False, True)


def test_delete_is_refused_while_a_retailer_refers_to_the_distributor(chain, events):
    before = state()
    with pytest.raises(Conflict, match="supplying distributor of 1 retailer; deactivate it instead"):
        parties.delete_party(SYSTEM, party_id=chain["nakuru"].id)
    assert state() == before and events == []
    parties.delete_party(SYSTEM, party_id=chain["westlands"].id)
    with reading() as s:
        assert parties_q.party_by_code(s, "D-WST") is None
    [row] = audit_rows("party.delete", chain["westlands"].id)
    assert row.before["code"] == "D-WST" and row.after is None
    assert [(e.name, e.data["code"]) for e in events] == [("party.deleted", "D-WST")]


def test_lists_show_only_the_actors_area(chain, places, factories):
    rift = factories.actor("regional_sales", scope_code="RFT")
    nairobi = factories.actor("regional_sales", scope_code="NRB")
    assert [p.code for p in parties.list_parties(SYSTEM)] == ["R-NKR", "D-NKR", "D-WST"]
    assert [p.code for p in parties.list_parties(rift)] == ["R-NKR", "D-NKR"]
    assert [p.code for p in parties.list_parties(nairobi)] == ["D-WST"]
    assert parties.list_parties(nairobi, search="nakuru") == []
    [shop] = parties.list_parties(rift, kind="retailer")
    assert (shop.distributor_code, shop.distributor_name, shop.territory_name) == (
        "D-NKR", "Nakuru Wholesalers", "Nakuru Town")
    assert [p.code for p in parties.list_parties(SYSTEM, search="whole")] == ["D-NKR"]
    parties.deactivate_party(SYSTEM, party_id=chain["shop"].id)
    assert [p.code for p in parties.list_parties(rift)] == ["D-NKR"]
    assert [p.code for p in parties.list_parties(rift, include_inactive=True)] == ["R-NKR", "D-NKR"]
    with pytest.raises(PermissionDenied, match="Westlands Depot is outside your area"):
        parties.get_party(rift, party_id=chain["westlands"].id)
    assert parties.get_party(nairobi, party_id=chain["westlands"].id).territory_code == "WST-T"


def test_pickers_offer_active_parties_inside_the_area(chain, places, factories):
    rift = factories.actor("regional_sales", scope_code="RFT")
    nairobi = factories.actor("regional_sales", scope_code="NRB")
    assert [c.label for c in parties.party_choices(rift, kind="distributor")] == ["Nakuru Wholesalers (D-NKR)"]
    assert [c.code for c in parties.party_choices(nairobi, kind=PartyKind.DISTRIBUTOR)] == ["D-WST"]
    assert parties.party_choices(nairobi, search="D-NKR") == []
    assert [c.code for c in parties.party_choices(SYSTEM, search="d-")] == ["D-NKR", "D-WST"]
    for n in range(55):
        factories.party(PartyKind.FACTORY, places["nakuru_town"], code=f"F{n:02d}", name=f"Bakery {n:02d}")
    assert len(parties.party_choices(rift, kind="factory")) == 50
    parties.deactivate_party(SYSTEM, party_id=chain["westlands"].id)
    assert parties.party_choices(nairobi) == []


def test_events_are_published_after_commit(places):
    seen: list[tuple[str, bool]] = []

    def committed(event: DomainEvent) -> None:
        with reading() as s:  # another session: sees only committed rows
            seen.append((event.name, parties_q.party_by_code(s, event.data["code"]) is not None))

    bus.subscribe(committed)
    parties.create_party(SYSTEM, kind="factory", code="F-1", name="Nakuru Bakery", territory_code="NKR-T")
    with pytest.raises(ValidationFailed):
        parties.create_party(SYSTEM, kind="factory", code="F-1", name="Twin", territory_code="NKR-T")
    assert seen == [("party.created", True)]
