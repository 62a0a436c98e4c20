"""The one data table: filters, sorting, paging, counts and totals done in SQL, on SQLite and PostgreSQL."""

from dataclasses import replace
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from domain.db import reading
from domain.errors import PermissionDenied, ValidationFailed
from domain.models import AuditLog
from domain.services import tables
from domain.services.audit import audit_table
from domain.tables import MAX_PAGE_SIZE, TableQuery
from tests.tables_data import FIRST_AT, STEP, all_pages, make_audit_rows, money_source

NAIROBI = ZoneInfo("Africa/Nairobi")


def truth() -> list[dict]:
    """Every audit row with the values the test source derives from it, computed in Python."""
    with reading() as session:
        return [
            {"row_id": r.id, "at": r.at, "action": r.action, "kind": r.kind.value, "scope_path": r.scope_path,
             "amount": Decimal(r.id) * Decimal("1.25"), "qty": Decimal(r.id) / 1000, "letters": len(r.action)}
            for r in session.exec(select(AuditLog).order_by(AuditLog.id))
        ]


def test_first_page_is_newest_first_with_the_count_and_exact_totals_of_all_rows(factories):
    data = make_audit_rows(factories)
    page = tables.fetch_page(data.admin, money_source(), TableQuery(page_size=25))
    everything = truth()
    assert data.total == len(everything) >= 60
    assert page.total_rows == len(everything)
    assert [r["row_id"] for r in page.rows] == [r["row_id"] for r in everything][::-1][:25]
    assert page.totals == {
        "amount": sum(r["amount"] for r in everything),
        "qty": sum(r["qty"] for r in everything),
        "letters": sum(r["letters"] for r in everything),
    }
    assert all(isinstance(v, Decimal) for v in page.totals.values())
    assert str(page.totals["amount"]).endswith((".00", ".25", ".50", ".75"))  # exact cents, not a float's noise
    assert isinstance(page.rows[0]["amount"], Decimal) and page.rows[0]["at"].tzinfo is not None


def test_text_filter_is_a_case_insensitive_contains_and_the_totals_follow_it(factories):
    data = make_audit_rows(factories)
    page = tables.fetch_page(data.admin, money_source(), TableQuery(filters={"action": "ORDER."}, page_size=200))
    expected = [r for r in truth() if "order." in r["action"].lower()]
    assert {r["action"] for r in page.rows} == {"order.confirm", "Order.Cancel"}
    assert page.total_rows == len(expected) == len(page.rows)
    assert page.totals["amount"] == sum(r["amount"] for r in expected)


def test_choice_range_and_date_filters_combine(factories):
    data = make_audit_rows(factories)
    filters = {"kind": ["user_action", "system"], "amount": {"min": "10.00", "max": "50"},
               "at": {"from": date(2026, 11, 2), "to": "2026-11-05"}}
    rows = all_pages(data.admin, money_source(), TableQuery(filters=filters))

    def wanted(r: dict) -> bool:
        local_day = r["at"].astimezone(NAIROBI).date()
        return (r["kind"] in ("user_action", "system") and Decimal(10) <= r["amount"] <= Decimal(50)
                and date(2026, 11, 2) <= local_day <= date(2026, 11, 5))

    expected = [r for r in truth() if wanted(r)]
    assert expected, "the arrangement should leave some rows"
    assert sorted(r["row_id"] for r in rows) == [r["row_id"] for r in expected]


def test_date_range_is_whole_days_in_the_company_timezone(factories):
    data = make_audit_rows(factories)
    # The first row is 20:30 UTC on 1 Nov, which is 23:30 on 1 Nov in Nairobi; the second 01:30 UTC on 2 Nov.
    page = tables.fetch_page(data.admin, money_source(),
                             TableQuery(filters={"at": {"from": "2026-11-01", "to": "2026-11-01"}}))
    first_ids = [r["row_id"] for r in truth()][:1]
    assert [r["row_id"] for r in page.rows] == first_ids
    assert page.rows[0]["at"] == FIRST_AT
    one_day = tables.fetch_page(data.admin, money_source(), TableQuery(filters={"at": "2026-11-02 - 2026-11-02"}))
    in_nairobi = [r for r in truth() if r["at"].astimezone(NAIROBI).date() == date(2026, 11, 2)]
    # 01:30, 06:30, 11:30 and 16:30 UTC; 21:30 UTC on 2 Nov is already 00:30 on 3 Nov in Nairobi.
    assert one_day.total_rows == len(in_nairobi) == 4
    assert max(r["at"] for r in one_day.rows) == FIRST_AT + 4 * STEP


def test_sorting_and_paging_cover_every_row_exactly_once_in_a_stable_order(factories):
    data = make_audit_rows(factories)
    query = TableQuery(sort="action", descending=False)
    rows = all_pages(data.admin, money_source(), query, page_size=7)
    expected = sorted(truth(), key=lambda r: (r["action"], r["row_id"]))
    assert [r["row_id"] for r in rows] == [r["row_id"] for r in expected]
    by_amount = all_pages(data.admin, money_source(), replace(query, sort="amount", descending=True), page_size=9)
    assert [r["amount"] for r in by_amount] == sorted((r["amount"] for r in truth()), reverse=True)


def test_a_scoped_actor_sees_only_rows_inside_their_area(factories):
    data = make_audit_rows(factories)
    rift = data.geo["rift"].path
    page = tables.fetch_page(data.rift_auditor, audit_table(data.rift_auditor), TableQuery(page_size=200))
    expected = [r for r in truth() if r["scope_path"] is not None and r["scope_path"].startswith(rift)]
    assert expected and page.total_rows == len(expected) < data.total
    assert sorted(r["row_id"] for r in page.rows) == [r["row_id"] for r in expected]
    totals = tables.fetch_page(data.rift_auditor, money_source(), TableQuery()).totals
    assert totals["amount"] == sum(r["amount"] for r in expected)
    everyone = tables.fetch_page(data.admin, audit_table(data.admin), TableQuery())
    assert everyone.total_rows == data.total


def test_the_audit_table_shows_names_not_ids(factories):
    data = make_audit_rows(factories)
    page = tables.fetch_page(data.admin, audit_table(data.admin), TableQuery(filters={"who": "rita"}, page_size=200))
    assert page.rows and {r["who"] for r in page.rows} == {"Rita"}
    assert set(page.rows[0]) == {"row_id", "at", "who", "action", "entity", "entity_id", "source_ip", "kind"}
    system = tables.fetch_page(data.admin, audit_table(data.admin), TableQuery(filters={"action": "access.seed"}))
    assert [r["who"] for r in system.rows] == ["system"]


def test_page_size_is_capped(factories):
    data = make_audit_rows(factories, extra=250)
    assert TableQuery(page_size=10_000).page_size == MAX_PAGE_SIZE
    query = TableQuery()
    query.page_size = 5_000  # a query changed after it was made is capped too
    page = tables.fetch_page(data.admin, money_source(), query)
    assert page.page_size == MAX_PAGE_SIZE and len(page.rows) == MAX_PAGE_SIZE
    assert page.total_rows == data.total > MAX_PAGE_SIZE


def test_unknown_sort_keys_fall_back_to_the_default_order_and_typed_text_is_only_text(factories):
    data = make_audit_rows(factories)
    default = tables.fetch_page(data.admin, money_source(), TableQuery())
    for sort in ("at; DROP TABLE audit_log; --", "scope_path", "row_id DESC", ""):
        page = tables.fetch_page(data.admin, money_source(), TableQuery(sort=sort, descending=False))
        assert [r["row_id"] for r in page.rows] == [r["row_id"] for r in default.rows]
    for text in ("' OR 1=1 --", "%", "_"):
        page = tables.fetch_page(data.admin, money_source(), TableQuery(filters={"action": text}))
        assert page.total_rows == 0 and page.totals["amount"] == Decimal("0.00")
    assert len(truth()) == data.total  # still there


@pytest.mark.parametrize("filters, field", [
    ({"scope_path": "/1/"}, "scope_path"),            # not a column
    ({"qty": {"min": 1}}, "scope_path"),              # a column without a filter
    ({"amount": {"min": "abc"}}, "Amount"),
    ({"amount": {"min": "1.001"}}, "Amount"),
    ({"amount": {"min": 9, "max": 1}}, "Amount"),
    ({"at": {"from": "2026-11-05", "to": "2026-11-01"}}, "When"),
    ({"at": {"from": "yesterday"}}, "When"),
    ({"kind": ["data_change", "nonsense"]}, "Kind"),
])
def test_filters_the_table_does_not_offer_are_refused_not_ignored(factories, filters, field):
    data = make_audit_rows(factories, extra=2)
    with pytest.raises(ValidationFailed) as refused:
        tables.fetch_page(data.admin, money_source(), TableQuery(filters=filters))
    assert set(refused.value.errors) <= {field, *filters}


def test_blank_filters_select_everything(factories):
    data = make_audit_rows(factories, extra=3)
    page = tables.fetch_page(data.admin, money_source(), TableQuery(
        filters={"action": "  ", "kind": [], "amount": {"min": None, "max": ""}, "at": {"from": None, "to": None}}))
    assert page.total_rows == data.total


def test_only_roles_that_may_see_the_source_read_it(factories):
    data = make_audit_rows(factories, extra=2)
    storekeeper = factories.actor("storekeeper")
    with pytest.raises(PermissionDenied):
        audit_table(storekeeper)
    with pytest.raises(PermissionDenied):
        tables.fetch_page(storekeeper, audit_table(data.admin), TableQuery())
