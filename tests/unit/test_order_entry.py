"""What the order form offers: tiers by permission; customers by tier, inside the user's area, searchable; factories
for primary orders; products at the tier's price; and line amounts and totals exactly as the order is written."""

from decimal import Decimal

import pytest

from domain.access import SYSTEM
from domain.db import transaction
from domain.errors import PermissionDenied, ValidationFailed
from domain.models import OrderTier, Party, ProductKind
from domain.services import order_entry
from domain.services.order_entry import customer_choices, factory_choices, order_tiers, product_choices, quote
from domain.services.products import deactivate_product

D = Decimal


@pytest.fixture
def chain(factories) -> dict:
    """factories.sales_chain() plus Rift's second retailer (Kiosk Baraka), Rift's Sammy (regional sales) and a
    company-wide finance officer."""
    chain = factories.sales_chain()
    chain["kiosk"] = factories.party("retailer", chain["geo"]["nakuru_town"], code="BRK-01", name="Kiosk Baraka",
                                     distributor=chain["distributor"])
    chain["sammy"] = factories.actor("regional_sales", scope_code="RFT", username="sammy")
    chain["finance"] = factories.actor("finance", username="mercy")
    return chain


def names(choices: list) -> list[str]:
    return [choice.name for choice in choices]


def set_active(party: Party, active: bool) -> None:
    """Switch a party off behind the services' back (a distributor with retailers cannot be deactivated through
    them), to see what the pickers do with it."""
    with transaction(SYSTEM) as tx:
        row = tx.session.get(Party, party.id)
        assert row is not None
        row.is_active = active
        tx.session.add(row)


@pytest.mark.parametrize(("role", "tiers"), [
    ("regional_sales", ["secondary", "tertiary"]),
    ("finance", ["primary"]),
    ("admin", ["primary", "secondary", "tertiary"]),
    ("storekeeper", []),
])
def test_the_tiers_offered_follow_the_role(factories, role: str, tiers: list[str]) -> None:
    offered = order_tiers(factories.actor(role))
    assert [choice.tier.value for choice in offered] == tiers
    for choice in offered:
        assert (choice.label, choice.description) == (choice.tier.label, choice.tier.description)


def test_a_regional_user_is_offered_only_the_retailers_in_their_region(chain) -> None:
    sammy = chain["sammy"]
    for tier in ("secondary", "tertiary"):
        offered = customer_choices(sammy, tier=tier)
        assert names(offered) == ["Kiosk Baraka", "Mama Njeri Shop"]  # not Westlands Kiosk (Nairobi)
    shop = customer_choices(sammy, tier="secondary", search="njeri")
    assert [(c.name, c.territory, c.supplier) for c in shop] == [
        ("Mama Njeri Shop", "Nakuru Town", "Rift Distributors")]
    assert shop[0].label == f"Mama Njeri Shop ({chain['retailer'].code}) · Nakuru Town"


def test_primary_orders_offer_distributors_and_need_the_primary_right(chain) -> None:
    assert names(customer_choices(chain["finance"], tier=OrderTier.PRIMARY)) == [
        "Rift Distributors", "Westlands Distributors"]
    with pytest.raises(PermissionDenied, match="Regional sales"):
        customer_choices(chain["sammy"], tier="primary")
    with pytest.raises(PermissionDenied):
        factory_choices(chain["sammy"])
    with pytest.raises(ValidationFailed) as refused:
        customer_choices(chain["sammy"], tier="wholesale")
    assert refused.value.errors == {"Tier": "must be primary, secondary or tertiary"}


def test_customers_are_found_by_name_or_code_and_inactive_ones_are_not_offered(chain, factories) -> None:
    sammy = chain["sammy"]
    assert names(customer_choices(sammy, tier="secondary", search="brk-")) == ["Kiosk Baraka"]
    assert names(customer_choices(sammy, tier="secondary", search="BARAKA")) == ["Kiosk Baraka"]
    assert customer_choices(sammy, tier="secondary", search="Westlands") == []  # outside Rift, even by name
    set_active(chain["kiosk"], False)
    assert names(customer_choices(sammy, tier="secondary")) == ["Mama Njeri Shop"]
    assert len(customer_choices(chain["finance"], tier="primary", limit=1)) == 1


def test_a_retailer_whose_distributor_is_inactive_can_record_sales_but_not_be_sold_to(chain) -> None:
    set_active(chain["distributor"], False)
    assert customer_choices(chain["sammy"], tier="secondary") == []  # nobody could sell to them
    assert names(customer_choices(chain["sammy"], tier="tertiary")) == ["Kiosk Baraka", "Mama Njeri Shop"]


def test_factories_are_every_active_one_whatever_the_area(chain, factories) -> None:
    nairobi_admin = factories.actor("admin", username="nairobi_admin", scope_code="NRB")
    westlands = factories.party("factory", chain["geo"]["westlands"], code="F-WST", name="Westlands Bakery")
    assert names(factory_choices(nairobi_admin)) == ["Nakuru Factory", "Westlands Bakery"]  # Nakuru is in Rift
    assert names(factory_choices(chain["finance"], search="f-wst")) == ["Westlands Bakery"]
    set_active(westlands, False)
    assert names(factory_choices(chain["finance"])) == ["Nakuru Factory"]


def test_products_carry_the_tiers_price_and_unsold_ones_are_left_out(chain, factories) -> None:
    bread = chain["bread"]
    buns = factories.product("BUN-6", name="Buns 6-pack", unit="pack", price_distributor="0", price_retailer="0",
                             price_retail="60.00")
    factories.product("FLR-1", kind=ProductKind.RAW_MATERIAL, name="Flour")
    old = factories.product("OLD-1", name="Old Loaf")
    deactivate_product(SYSTEM, product_id=old.id)
    admin = factories.actor("admin")
    priced = {tier: [(p.sku, p.price, p.unit) for p in product_choices(admin, tier=tier)] for tier in OrderTier}
    assert priced[OrderTier.PRIMARY] == [("WB-400", D("40.00"), "loaf")]
    assert priced[OrderTier.SECONDARY] == [("WB-400", D("45.00"), "loaf")]
    assert priced[OrderTier.TERTIARY] == [("BUN-6", D("60.00"), "pack"), ("WB-400", D("50.00"), "loaf")]
    assert [p.name for p in product_choices(admin, tier="tertiary", search="wb-")] == ["White Bread 400g"]
    assert [p.id for p in product_choices(admin, tier="secondary", ids=[bread.id, buns.id, old.id])] == [bread.id]
    with pytest.raises(PermissionDenied):
        product_choices(chain["finance"], tier="secondary")


def test_the_quote_is_exact_and_rounds_half_up_to_the_cent() -> None:
    quoted = quote([(D("45.00"), "2.345"), (D("33.33"), "3"), (D("0.35"), "1,000.5"), (None, "4"), (D("45"), "")])
    assert [line.amount for line in quoted.lines] == [D("105.53"), D("99.99"), D("350.18"), None, None]
    assert quoted.total == D("555.70") and not quoted.complete
    assert order_entry.line_amount(D("0.005"), D("1.00")) == D("0.01")  # half-up, where half-even gives 0.00


def test_the_quote_says_what_is_wrong_with_a_quantity_in_the_services_words() -> None:
    quoted = quote([(D("45.00"), "0"), (D("45.00"), "-2"), (D("45.00"), "lots"), (D("45.00"), "1.2345")])
    assert [line.problem for line in quoted.lines] == [
        "must be more than 0", "must be more than 0", "must be a number", "has more than 3 decimal places"]
    assert quoted.total == D("0.00") and all(line.amount is None for line in quoted.lines)
    assert quote([(D("45.00"), 2)]).complete


def test_the_quote_matches_the_order_as_written(chain, factories) -> None:
    sammy, bread = chain["sammy"], chain["bread"]
    rolls = factories.product("RL-7", name="Dinner Rolls", unit="pack", price_distributor="11.10",
                              price_retailer="12.35", price_retail="13.00")
    typed = [(bread, "2.345"), (rolls, "7.5")]
    prices = {p.id: p.price for p in product_choices(sammy, tier="secondary", ids=[bread.id, rolls.id])}
    quoted = quote([(prices[p.id], qty) for p, qty in typed])
    order = factories.order(sammy, "secondary", chain["retailer"], typed)
    assert order.total == quoted.total == D("198.16")  # 105.525 → 105.53 and 92.625 → 92.63
