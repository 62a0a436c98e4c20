"""The demo company: a realistic bakery at the demo scale, one regional sales login per region that sees only its
region, the same company from the same seed on any database, and a second run that adds nothing."""

import importlib
import re
from collections import Counter
from decimal import Decimal

import pytest
from sqlmodel import func, select

from dashboard.cli import main
from domain import db as domain_db
from domain.access import SYSTEM
from domain.config import ConfigError, reload_settings
from domain.db import reading
from domain.demo import DEMO_PASSWORD, seed
from domain.demo.catalogue import FINISHED, material_cost
from domain.demo.geography import REGIONS
from domain.demo.parties import plan_parties
from domain.models import AuditLog, GeoLevel, PartyKind, ProductKind
from domain.services.auth import login
from domain.services.geography import geo_tree
from domain.services.parties import PartyRow, list_parties
from domain.services.products import get_recipe, list_products


def audit_count(action: str | None = None) -> int:
    query = select(func.count()).select_from(AuditLog)
    if action:
        query = query.where(AuditLog.action == action)
    with reading() as session:
        return int(session.exec(query).one())


def all_parties() -> list[PartyRow]:
    return list_parties(SYSTEM, include_inactive=True, limit=5000)


def region_of(path: str, regions: dict[str, str]) -> str:
    """The region code whose subtree holds `path`."""
    (code,) = [code for prefix, code in regions.items() if path.startswith(prefix)]
    return code


def test_the_demo_scale_is_a_realistic_bakery_seen_region_by_region_and_seeding_again_adds_nothing(
    db,
) -> None:
    report = seed(scale="demo", history_days=0)  # the history has its own test (test_demo_history.py)

    places = geo_tree(SYSTEM)
    levels = Counter(node.level for node in places)
    assert set(levels) == set(GeoLevel)
    assert levels[GeoLevel.REGION] >= 6 and levels[GeoLevel.TERRITORY] >= 40
    regions = {node.path: node.code for node in places if node.level is GeoLevel.REGION}
    names = {node.name for node in places}
    assert {"Westlands", "Kasarani", "Thika Town", "Nakuru Town", "Eldoret Town", "Mombasa Island"} <= names

    finished = list_products(SYSTEM, kind=ProductKind.FINISHED)
    materials = list_products(SYSTEM, kind=[ProductKind.RAW_MATERIAL, ProductKind.PACKAGING])
    assert 20 <= len(finished) <= 30 and len(materials) >= 10
    assert {ProductKind.RAW_MATERIAL, ProductKind.PACKAGING} == {m.kind for m in materials}
    white = next(p for p in finished if p.sku == "BRD-WHITE-400")
    assert (white.price_distributor, white.price_retailer, white.price_retail) == (
        Decimal("52.00"), Decimal("57.00"), Decimal("65.00"))
    for product in finished:
        assert product.id is not None
        recipe = get_recipe(SYSTEM, product_id=product.id)
        assert recipe, f"{product.name} has no recipe"
        assert {item.kind for item in recipe} <= {ProductKind.RAW_MATERIAL, ProductKind.PACKAGING}
        assert product.price_distributor <= product.price_retailer <= product.price_retail
        assert product.standard_cost < product.price_distributor
    for good in FINISHED:  # a unit's materials cost less than its standard cost
        assert material_cost(good) < Decimal(good.cost), good.name

    parties = all_parties()
    by_code = {p.code: p for p in parties}
    kinds = Counter(p.kind for p in parties)
    assert 2 <= kinds[PartyKind.FACTORY] <= 3
    assert 25 <= kinds[PartyKind.DISTRIBUTOR] <= 35
    assert 550 <= kinds[PartyKind.RETAILER] <= 650
    for party in parties:
        if party.kind is PartyKind.DISTRIBUTOR:
            assert Decimal(500_000) <= party.credit_limit <= Decimal(3_000_000)
            assert party.payment_terms_days in (7, 14, 30)
        if party.kind is PartyKind.RETAILER:
            assert Decimal(20_000) <= party.credit_limit <= Decimal(200_000)
            assert party.distributor_code is not None
            supplier = by_code[party.distributor_code]
            assert region_of(supplier.territory_path, regions) == region_of(party.territory_path, regions)
    assert audit_count("party.create") == len(parties)  # every party went through the service, audited

    by_region = Counter(region_of(p.territory_path, regions) for p in parties)
    for region in REGIONS:
        actor = login(username=f"sales.{region.code.lower()}", password=DEMO_PASSWORD)
        assert actor.role == "regional_sales" and actor.scope_name == region.name
        seen = list_parties(actor, include_inactive=True, limit=5000)
        assert len(seen) == by_region[region.code] > 0
        assert {region_of(p.territory_path, regions) for p in seen} == {region.code}
    assert report.created == sum(line.created for line in report.lines) > 0

    rows, audit = len(parties), audit_count()
    again = seed(scale="demo", history_days=0)
    assert again.created == 0 and "Nothing new" in again.summary()[-1]
    assert len(all_parties()) == rows and audit_count() == audit


def test_the_same_seed_gives_the_same_company_on_two_databases_written_either_way(
    tmp_path, monkeypatch, capsys,
) -> None:
    """One database through `chesanto seed` (a service call per party), the other with the bulk writer: the same
    codes, names, places, limits, terms and suppliers, and an audit row per party in both. On the first,
    `chesanto demo` then finds nothing to add and lists the regional sales logins. (Three days of history instead
    of 90, to keep it short: the second day's orders trade the first day's bread.)"""
    monkeypatch.setenv("CHESANTO_ENV", "test")
    monkeypatch.setattr(importlib.import_module("domain.demo.seed"), "HISTORY_DAYS", 3)  # the module, not seed()
    companies = []
    try:
        for n, bulk in enumerate((False, True)):
            monkeypatch.setenv("CHESANTO_DATABASE_URL", f"sqlite:///{tmp_path / f'company{n}.db'}")
            reload_settings()
            if bulk:
                assert main(["migrate"]) == 0
                seed(scale="demo", seed=7, bulk=True)
            else:
                assert main(["seed", "--seed", "7"]) == 0
                out = capsys.readouterr().out
                assert "600 created" in out
                assert re.search(r"production logs +[1-9]\d* created", out)
                assert re.search(r"goods receipts +[1-9]\d* created", out)
                for what in ("primary orders", "secondary orders", "invoices"):
                    assert re.search(rf"{what} +[1-9]\d* created", out), what
                assert main(["demo", "--no-serve"]) == 0
                out = capsys.readouterr().out
                assert "Nothing new" in out and "sales.nrb" in out and "Nairobi region" in out
            parties = [(p.kind, p.code, p.name, p.territory_code, p.territory_path, p.phone, p.email,
                        p.credit_limit, p.payment_terms_days, p.distributor_code) for p in all_parties()]
            companies.append((sorted(parties, key=lambda p: p[1]), audit_count("party.create")))
            domain_db.dispose()
    finally:
        reload_settings()
    assert companies[0] == companies[1]
    assert len(companies[0][0]) == companies[0][1] == 633


def test_the_plan_depends_only_on_the_seed_and_large_holds_the_demo_scale() -> None:
    demo = plan_parties(blocks=1, seed=2026)
    assert plan_parties(blocks=1, seed=2026) == demo
    assert [p.name for p in plan_parties(blocks=1, seed=2027)] != [p.name for p in demo]
    large = plan_parties(blocks=10, seed=2026)
    assert large[:len(demo)] == demo
    kinds = Counter(p.kind for p in large)
    assert (kinds[PartyKind.DISTRIBUTOR], kinds[PartyKind.RETAILER]) == (300, 6000)
    assert len({p.code for p in large}) == len(large)


def test_seeding_is_refused_in_production(monkeypatch, capsys) -> None:
    monkeypatch.setenv("CHESANTO_ENV", "production")
    monkeypatch.setenv("CHESANTO_SECRET_KEY", "x" * 40)
    reload_settings()
    try:
        with pytest.raises(ConfigError, match="production"):
            seed(scale="demo")
        assert main(["seed", "--scale", "demo"]) == 2
        assert "not for production" in capsys.readouterr().err
    finally:
        monkeypatch.setenv("CHESANTO_ENV", "test")
        reload_settings()
