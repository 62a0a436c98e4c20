"""The parties list: a regional user's rows (and exports) hold only their region's parties, with places and
distributors by name and the credit limits totalled."""

import csv
from dataclasses import replace
from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.errors import PermissionDenied
from domain.models import PartyKind
from domain.services import exports, parties
from domain.services.tables import fetch_page
from domain.tables import TableQuery


@pytest.fixture
def chain(factories):
    """Rift: a factory, a distributor and its retailer; Nairobi: a distributor and an inactive retailer."""
    places = factories.geography()
    factories.party(PartyKind.FACTORY, places["rift"], code="F-RFT", name="Nakuru Bakery", credit_limit="0")
    nakuru = factories.party(PartyKind.DISTRIBUTOR, places["nakuru_town"], code="D-NKR", name="Nakuru Wholesalers",
                             credit_limit="150000.50", payment_terms_days=30, phone="+254 712 345 678")
    factories.party(PartyKind.RETAILER, places["nakuru_town"], code="R-NKR", name="Mama Njeri Shop",
                    distributor=nakuru, credit_limit="20000")
    westlands = factories.party(PartyKind.DISTRIBUTOR, places["westlands"], code="D-WST", name="Westlands Depot",
                                credit_limit="90000")
    shop = factories.party(PartyKind.RETAILER, places["westlands"], code="R-WST", name="Kiosk Westlands",
                           distributor=westlands, credit_limit="5000")
    parties.deactivate_party(SYSTEM, party_id=shop.id)
    return places


RIFT_CODES = ["D-NKR", "R-NKR", "F-RFT"]  # by name: Mama Njeri, Nakuru Bakery, Nakuru Wholesalers
RIFT_BY_NAME = ["R-NKR", "F-RFT", "D-NKR"]


def test_a_regional_user_lists_and_exports_only_their_region(chain, factories, tmp_path):
    rita = factories.actor("regional_sales", scope_code="RFT")
    source = parties.parties_table(rita)
    page = fetch_page(rita, source, TableQuery())

    assert [r["code"] for r in page.rows] == RIFT_BY_NAME and page.total_rows == 3
    shop, factory, depot = page.rows
    assert (shop["kind"], shop["territory"], shop["region"], shop["distributor"]) == (
        "retailer", "Nakuru Town", "Rift", "Nakuru Wholesalers")
    assert (factory["territory"], factory["region"], factory["distributor"]) == ("Rift", "Rift", None)
    assert depot["credit_limit"] == Decimal("150000.50") and depot["payment_terms_days"] == 30
    assert depot["phone"] == "+254 712 345 678" and depot["is_active"] is True
    assert page.totals == {"credit_limit": Decimal("170000.50")}

    result = exports.export_table(rita, source, TableQuery(), "csv", tmp_path / "parties.csv")
    with result.path.open(newline="", encoding="utf-8-sig") as handle:
        lines = list(csv.reader(handle))
    header, body, totals, count = lines[0], lines[1:-2], lines[-2], lines[-1]
    assert header == ["Code", "Name", "Kind", "Territory", "Region", "Supplying distributor", "Credit limit",
                      "Payment terms (days)", "Active", "Phone", "Email"]
    assert [line[0] for line in body] == RIFT_BY_NAME
    assert not any("Westlands" in cell or "Nairobi" in cell for line in body for cell in line)
    assert body[0] == ["R-NKR", "Mama Njeri Shop", "retailer", "Nakuru Town", "Rift", "Nakuru Wholesalers",
                       "20000.00", "0", "yes", "", ""]
    assert totals[0] == "Total" and totals[6] == "170000.50"
    assert count == ["Row count", "3"]


def test_company_wide_users_see_every_party_and_filters_narrow_the_list(chain, factories):
    admin = factories.actor("admin")
    source = parties.parties_table(admin)
    everything = fetch_page(admin, source, TableQuery(page_size=200))
    assert {r["code"] for r in everything.rows} == {*RIFT_CODES, "D-WST", "R-WST"}
    [westlands] = [r for r in everything.rows if r["code"] == "R-WST"]
    assert (westlands["region"], westlands["is_active"]) == ("Nairobi", False)

    retailers = fetch_page(admin, source, TableQuery(filters={"kind": ["retailer"]}))
    assert [r["code"] for r in retailers.rows] == ["R-WST", "R-NKR"]  # Kiosk Westlands, Mama Njeri Shop
    in_town = fetch_page(admin, source, TableQuery(filters={"territory": "nakuru town", "is_active": ["yes"]}))
    assert [r["code"] for r in in_town.rows] == ["R-NKR", "D-NKR"]
    nairobi = fetch_page(admin, source, TableQuery(filters={"region": "Nairobi", "is_active": ["no"]}))
    assert [r["code"] for r in nairobi.rows] == ["R-WST"]


def test_the_list_needs_masterdata_view(chain, factories):
    nobody = replace(factories.actor("admin"), permissions=frozenset())
    with pytest.raises(PermissionDenied):
        parties.parties_table(nobody)
