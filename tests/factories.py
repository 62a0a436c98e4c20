"""Test data, built through the services wherever a service exists."""

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from domain.access import SYSTEM, Actor
from domain.db import transaction
from domain.inputs import business_today
from domain.models import GeoLevel, GeoNode, MoveKind, Order, OrderTier, User
from domain.models.parties import Party, PartyKind
from domain.models.products import Product, ProductKind
from domain.services import stock
from domain.services.access import load_actor
from domain.services.orders import submit_order
from domain.services.parties import create_party
from domain.services.products import create_product, set_recipe
from domain.services.users import create_user

PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


@dataclass
class Factories:
    def user(self, role: str = "admin", *, username: str | None = None, password: str = PASSWORD,
             scope_code: str | None = None, full_name: str | None = None) -> User:
        name = username or f"{role.replace('_', '')}{next(_seq)}"
        return create_user(SYSTEM, username=name, full_name=full_name or name.title(), role=role,
                           password=password, scope_code=scope_code)

    def actor(self, role: str = "admin", *, scope_code: str | None = None, username: str | None = None) -> Actor:
        user = self.user(role, scope_code=scope_code, username=username)
        assert user.id is not None
        actor = load_actor(user.id)
        assert actor is not None
        return actor

    def geo(self, code: str, name: str, level: GeoLevel, parent: GeoNode | None = None) -> GeoNode:
        """A geography node with its materialised path (admin services for geography come with master data)."""
        with transaction(SYSTEM) as tx:
            node = GeoNode(code=code, name=name, level=level, parent_id=parent.id if parent else None)
            tx.session.add(node)
            tx.session.flush()
            node.path = f"{parent.path if parent else '/'}{node.id}/"
            tx.session.add(node)
        return node

    def geography(self) -> dict[str, GeoNode]:
        """Two regions under one zone, each with a territory: enough to test scope."""
        zone = self.geo("KE", "Kenya", GeoLevel.ZONE)
        state = self.geo("KE-RV", "Rift Valley", GeoLevel.STATE, zone)
        rift = self.geo("RFT", "Rift", GeoLevel.REGION, state)
        state2 = self.geo("KE-CT", "Central", GeoLevel.STATE, zone)
        nairobi = self.geo("NRB", "Nairobi", GeoLevel.REGION, state2)
        area = self.geo("NKR", "Nakuru", GeoLevel.AREA, rift)
        nkr_town = self.geo("NKR-T", "Nakuru Town", GeoLevel.TERRITORY, area)
        area2 = self.geo("WST", "Westlands", GeoLevel.AREA, nairobi)
        westlands = self.geo("WST-T", "Westlands Town", GeoLevel.TERRITORY, area2)
        return {"zone": zone, "rift": rift, "nairobi": nairobi, "nakuru_town": nkr_town,
                "westlands": westlands}

    def product(self, sku: str | None = None, *, kind: ProductKind | str = ProductKind.FINISHED,
                name: str | None = None, **fields: Any) -> Product:
        """A product through the service. Finished goods: Bread, loaf, KES 40/45/50, cost 28.50, 5 days' shelf life;
        raw materials: Flour, kg, cost 95.00; packaging: Packaging, piece, cost 2.50. `fields` override."""
        kind = ProductKind(kind)
        n = next(_seq)
        defaults: dict[str, Any] = {
            ProductKind.FINISHED: {"category": "Bread", "unit": "loaf", "price_distributor": "40.00",
                                   "price_retailer": "45.00", "price_retail": "50.00", "standard_cost": "28.50",
                                   "shelf_life_days": 5},
            ProductKind.RAW_MATERIAL: {"category": "Flour", "unit": "kg", "standard_cost": "95.00"},
            ProductKind.PACKAGING: {"category": "Packaging", "unit": "piece", "standard_cost": "2.50"},
        }[kind]
        return create_product(SYSTEM, sku=sku or f"P{n:04d}", name=name or f"Product {n}", kind=kind,
                              **{**defaults, **fields})

    def finished_good_with_recipe(self, sku: str | None = None, *, name: str | None = None,
                                  recipe: dict[str, Decimal | str] | None = None, **fields: Any) -> Product:
        """A finished good and its recipe {material SKU: qty per unit}. Without `recipe`, new materials:
        0.250 kg flour, 0.005 kg yeast and 1 bag per loaf."""
        if recipe is None:
            n = next(_seq)
            flour = self.product(f"FLR-{n}", kind=ProductKind.RAW_MATERIAL, name=f"Wheat Flour {n}")
            yeast = self.product(f"YST-{n}", kind=ProductKind.RAW_MATERIAL, name=f"Yeast {n}", category="Yeast")
            bag = self.product(f"BAG-{n}", kind=ProductKind.PACKAGING, name=f"Bread Bag {n}")
            recipe = {flour.sku: "0.250", yeast.sku: "0.005", bag.sku: "1"}
        product = self.product(sku, name=name, **fields)
        assert product.id is not None
        set_recipe(SYSTEM, product_id=product.id,
                   lines=[{"material": m, "qty_per_unit": q} for m, q in recipe.items()])
        return product

    def party(self, kind: PartyKind | str, territory: GeoNode, *, code: str | None = None, name: str | None = None,
              distributor: Party | None = None, **fields: Any) -> Party:
        """A factory, distributor or retailer on `territory` through the service (retailers need `distributor`)."""
        kind = PartyKind(kind)
        n = next(_seq)
        return create_party(SYSTEM, kind=kind, code=code or f"{kind.value[:3].upper()}{n:04d}",
                            name=name or f"{kind.value.title()} {n}", territory_code=territory.code,
                            distributor_code=distributor.code if distributor else None, **fields)

    # ---- stock and sales -----------------------------------------------------------------------------------------

    def stock(self, location: Party, product: Product, qty: Decimal | str, *, document: str = "OPENING") -> None:
        """Put `qty` of `product` at `location` as opening stock (a RECEIPT move, today, in its own batch)."""
        assert location.id is not None and product.id is not None
        with transaction(SYSTEM) as tx:
            stock.put(tx, location_id=location.id, product_id=product.id, qty=Decimal(str(qty)),
                      kind=MoveKind.RECEIPT, document=document, business_date=business_today())

    def sales_chain(self, *, credit_limit: str = "1000000", stock: str = "100") -> dict[str, Any]:
        """Geography (Rift and Nairobi regions), a factory in Nakuru, a distributor and a retailer in each region,
        White Bread 400g (KES 40 / 45 / 50) with `stock` loaves at the factory, every party with `credit_limit`."""
        geo = self.geography()
        factory = self.party(PartyKind.FACTORY, geo["nakuru_town"], name="Nakuru Factory")
        dist = self.party(PartyKind.DISTRIBUTOR, geo["nakuru_town"], name="Rift Distributors",
                          credit_limit=credit_limit, payment_terms_days=30)
        shop = self.party(PartyKind.RETAILER, geo["nakuru_town"], name="Mama Njeri Shop", distributor=dist,
                          credit_limit=credit_limit, payment_terms_days=7)
        dist2 = self.party(PartyKind.DISTRIBUTOR, geo["westlands"], name="Westlands Distributors",
                           credit_limit=credit_limit, payment_terms_days=30)
        shop2 = self.party(PartyKind.RETAILER, geo["westlands"], name="Westlands Kiosk", distributor=dist2,
                           credit_limit=credit_limit, payment_terms_days=7)
        bread = self.product("WB-400", name="White Bread 400g", shelf_life_days=4)
        if Decimal(stock) > 0:
            self.stock(factory, bread, stock)
        return {"geo": geo, "factory": factory, "distributor": dist, "retailer": shop, "distributor2": dist2,
                "retailer2": shop2, "bread": bread}

    def order(self, actor: Actor, tier: OrderTier | str, customer: Party, lines: list[tuple[Product, str]], *,
              factory: Party | None = None, reference: str | None = None, **fields: Any) -> Order:
        """An order through `submit_order` ([(product, qty), …]); a fresh client reference unless given."""
        return submit_order(
            actor, tier=tier, customer_id=customer.id or 0, seller_id=factory.id if factory else None,
            lines=[{"product_id": p.id, "qty": q} for p, q in lines],
            client_reference=reference or f"test-{next(_seq)}", **fields)

    def order_through(self, order: Order, status: str, *, actor: Actor = SYSTEM, business_date: Any = None) -> Order:
        """Take an order on from where it is through the lifecycle to `status` ("confirmed", "dispatched",
        "delivered" or "cancelled") by `actor` (default: the system: company-wide, every permission)."""
        from domain.models import OrderStatus
        from domain.services import orders

        assert order.id is not None
        target = OrderStatus(status)
        if target is OrderStatus.CANCELLED:
            return orders.cancel_order(actor, order_id=order.id, reason="Test: no longer wanted")
        steps = {OrderStatus.DRAFT: lambda: orders.confirm_order(actor, order_id=order.id or 0),
                 OrderStatus.CONFIRMED: lambda: orders.dispatch_order(actor, order_id=order.id or 0,
                                                                      business_date=business_date),
                 OrderStatus.DISPATCHED: lambda: orders.deliver_order(actor, order_id=order.id or 0,
                                                                      business_date=business_date)}
        while order.status is not target:
            if order.status not in steps:
                raise ValueError(f"{order.number} is {order.status.value}: it cannot be taken to {status}")
            order = steps[order.status]()
        return order

    def invoice(self, chain: dict[str, Any], customer: Party, qty: str = "10", *, issued_on: Any = None,
                actor: Actor = SYSTEM) -> Any:
        """An invoice issued by a real delivery: `customer` orders `qty` of the chain's bread (a distributor from the
        chain's factory, a retailer from its distributor, which is given the stock first), and the order is
        confirmed, dispatched and delivered on `issued_on` (default today). Returns the Invoice."""
        from domain.db import reading
        from domain.queries import orders as orders_q
        from domain.queries import parties as parties_q

        factory = None
        tier = OrderTier.SECONDARY if customer.kind == PartyKind.RETAILER else OrderTier.PRIMARY
        if tier is OrderTier.PRIMARY:
            factory = chain["factory"]
        else:
            with reading() as session:
                seller = parties_q.party_by_id(session, customer.parent_distributor_id or 0)
            assert seller is not None
            self.stock(seller, chain["bread"], qty)
        order = self.order(actor, tier, customer, [(chain["bread"], qty)], factory=factory,
                           **({"order_date": issued_on} if issued_on is not None else {}))
        order = self.order_through(order, "delivered", actor=actor, business_date=issued_on)
        with reading() as session:
            invoice = orders_q.invoice_of(session, order.id or 0)
        assert invoice is not None
        return invoice
