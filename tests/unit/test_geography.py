"""Geography: levels follow parents, subtree moves rewrite every path (parties' too), scope on every read,
and every refusal leaves the database exactly as it was."""

import pytest
from sqlmodel import func, select

from domain.access import SYSTEM, Actor
from domain.db import reading
from domain.errors import Conflict, PermissionDenied, ValidationFailed
from domain.events import DomainEvent, bus
from domain.models import AuditLog, GeoLevel, GeoNode, Party, PartyKind
from domain.queries import geography as geo_q
from domain.services import geography as geo
from domain.services.parties import list_parties
from tests.records import audit_rows


def state() -> tuple:
    """Everything a geography change could touch: nodes, parties' paths and the audit trail's length."""
    with reading() as s:
        nodes = [(n.id, n.code, n.name, n.level, n.parent_id, n.path, n.is_active)
                 for n in s.exec(select(GeoNode).order_by(GeoNode.id))]
        parties = [(p.id, p.territory_id, p.territory_path) for p in s.exec(select(Party).order_by(Party.id))]
        return nodes, parties, s.exec(select(func.count()).select_from(AuditLog)).one()



def node(code: str) -> GeoNode:
    with reading() as s:
        found = geo_q.node_by_code(s, code)
        assert found is not None
        return found




def test_levels_follow_the_parent_and_the_path_is_computed_after_insert(places, events):
    zone = geo.add_geo_node(SYSTEM, code="ug", name="  Uganda ")
    state_ = geo.add_geo_node(SYSTEM, code="UG-C", name="Central", parent_code="UG")
    region = geo.add_geo_node(SYSTEM, code="KLA", name="Kampala", parent_code="ug-c", level="region")
    assert (zone.level, zone.code, zone.name, zone.path) == (GeoLevel.ZONE, "UG", "Uganda", f"/{zone.id}/")
    assert state_.level is GeoLevel.STATE and region.level is GeoLevel.REGION
    assert region.path == f"/{zone.id}/{state_.id}/{region.id}/" == node("KLA").path
    [row] = audit_rows("geo.create", region.id)
    assert row.before is None and row.after["path"] == region.path and row.after["level"] == "region"
    assert [e.name for e in events] == ["geo.created"] * 3 and events[-1].scope_path == region.path


ADD_REFUSALS = [
    ({"code": "X1", "name": "X", "parent_code": "NKR-T"}, "Parent", "a territory cannot hold other places"),
    ({"code": "X1", "name": "X", "parent_code": "RFT", "level": "territory"}, "Level",
     "only an area can be added under the region Rift"),
    ({"code": "X1", "name": "X", "level": "region"}, "Parent", "a region must sit under a state"),
    ({"code": "X1", "name": "X", "parent_code": "NOPE"}, "Parent", "no geography with code NOPE"),
    ({"code": "nkr", "name": "Another Nakuru", "parent_code": "RFT"}, "Code", "NKR is already in use"),
    ({"code": "X1", "name": "   ", "parent_code": "RFT"}, "Name", "is required"),
    ({"code": "X 1", "name": "X", "parent_code": "RFT"}, "Code", "only letters, digits"),
    ({"code": "X1", "name": "X", "parent_code": "RFT", "level": "county"}, "Level", "Input should be"),
]


@pytest.mark.parametrize(("fields", "field", "text"), ADD_REFUSALS)
def test_add_refusals_name_the_field_and_write_nothing(places, events, fields, field, text):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        geo.add_geo_node(SYSTEM, **fields)
    assert text in refused.value.errors[field]
    assert state() == before and events == []


def test_add_under_an_inactive_parent_is_refused(places):
    geo.deactivate_geo_node(SYSTEM, node_id=places["westlands"].id)
    before = state()
    with pytest.raises(ValidationFailed, match="Parent: Westlands Town is inactive"):
        geo.add_geo_node(SYSTEM, code="X1", name="X", parent_code="WST-T")
    assert state() == before


def test_scoped_manager_adds_only_inside_the_area(places, factories):
    manager = factories.actor("admin", scope_code="RFT")
    before = state()
    with pytest.raises(PermissionDenied, match="Nairobi is outside your area"):
        geo.add_geo_node(manager, code="KLM", name="Kilimani", parent_code="NRB")
    with pytest.raises(PermissionDenied, match="Only company-wide staff can add a zone"):
        geo.add_geo_node(manager, code="TZ", name="Tanzania")
    assert state() == before
    assert geo.add_geo_node(manager, code="NVS", name="Naivasha", parent_code="RFT").level is GeoLevel.AREA


def test_changes_need_geography_manage(places, factories):
    sales = factories.actor("regional_sales")
    before = state()
    with pytest.raises(PermissionDenied, match="add, rename, move and deactivate geography"):
        geo.add_geo_node(sales, code="X1", name="X")
    with pytest.raises(PermissionDenied):
        geo.rename_geo_node(sales, node_id=places["rift"].id, name="Rift Valley")
    assert state() == before
    nobody = Actor(user_id=None, username="nobody", full_name="", role="", role_name="Nobody")
    with pytest.raises(PermissionDenied):
        geo.geo_tree(nobody)


def test_rename_is_audited_before_and_after(places, events):
    renamed = geo.rename_geo_node(SYSTEM, node_id=places["rift"].id, name="Rift Valley North")
    assert renamed.name == node("RFT").name == "Rift Valley North"
    [row] = audit_rows("geo.rename", places["rift"].id)
    assert (row.before["name"], row.after["name"]) == ("Rift", "Rift Valley North")
    assert [(e.name, e.data["old_name"]) for e in events] == [("geo.renamed", "Rift")]


def test_rename_refusals_write_nothing(places, factories):
    nairobi_admin = factories.actor("admin", scope_code="NRB")
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        geo.rename_geo_node(SYSTEM, node_id=places["rift"].id, name=" ")
    assert refused.value.errors == {"Name": "is required"}
    with pytest.raises(PermissionDenied, match="Rift is outside your area"):
        geo.rename_geo_node(nairobi_admin, node_id=places["rift"].id, name="R")
    assert state() == before


def test_move_rewrites_the_whole_subtree_and_the_parties_in_it(places, factories, events):
    town = places["nakuru_town"]
    shop = factories.party(PartyKind.DISTRIBUTOR, town, code="NKR-D")
    elsewhere = factories.party(PartyKind.DISTRIBUTOR, places["westlands"], code="WST-D")
    area = node("NKR")
    untouched = {n: node(n).path for n in ("WST", "WST-T", "RFT", "NRB")}

    moved = geo.move_geo_node(SYSTEM, node_id=area.id, parent_code="NRB")

    new_area = f"{places['nairobi'].path}{area.id}/"
    assert moved.path == node("NKR").path == new_area and node("NKR").parent_id == places["nairobi"].id
    assert node("NKR-T").path == f"{new_area}{town.id}/"
    assert {n: node(n).path for n in untouched} == untouched
    parties = {p.code: p.territory_path for p in list_parties(SYSTEM)}
    assert parties == {"NKR-D": f"{new_area}{town.id}/", "WST-D": elsewhere.territory_path}
    [row] = audit_rows("geo.move", area.id)
    assert (row.before["path"], row.after["path"]) == (area.path, new_area)
    assert (row.before["parent_id"], row.after["parent_id"]) == (places["rift"].id, places["nairobi"].id)
    [event] = events[-1:]
    assert (event.name, event.scope_path, event.data["old_path"]) == ("geo.moved", new_area, area.path)
    assert (event.data["nodes"], event.data["parties"]) == (2, 1)
    # the scope follows: Nairobi's people now see the Nakuru distributor, the Rift's no longer do
    assert [p.code for p in list_parties(factories.actor("admin", scope_code="NRB"))] == ["NKR-D", "WST-D"]
    assert list_parties(factories.actor("admin", scope_code="RFT")) == []
    assert shop.id is not None


MOVE_REFUSALS = [
    ("RFT", "NKR", "Rift cannot move into its own subtree"),
    ("NKR", "KE-CT", "an area must sit under a region; Central is a state"),
    ("KE", "KE", "Kenya is a zone; a zone has no parent"),
    ("NKR", "NOPE", "no geography with code NOPE"),
    ("NKR", " ", "is required"),
]


@pytest.mark.parametrize(("code", "parent", "text"), MOVE_REFUSALS)
def test_move_refusals_name_the_parent_and_write_nothing(places, events, code, parent, text):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        geo.move_geo_node(SYSTEM, node_id=node(code).id, parent_code=parent)
    assert refused.value.errors == {"Parent": text}
    assert state() == before and events == []


def test_move_under_an_inactive_or_out_of_scope_parent_is_refused(places, factories):
    for child in ("WST-T", "WST"):
        geo.deactivate_geo_node(SYSTEM, node_id=node(child).id)
    geo.deactivate_geo_node(SYSTEM, node_id=places["nairobi"].id)
    manager = factories.actor("admin", scope_code="RFT")
    before = state()
    with pytest.raises(ValidationFailed, match="Parent: Nairobi is inactive"):
        geo.move_geo_node(SYSTEM, node_id=node("NKR").id, parent_code="NRB")
    with pytest.raises(PermissionDenied, match="Central is outside your area"):
        geo.move_geo_node(manager, node_id=places["rift"].id, parent_code="KE-CT")
    assert state() == before


def test_deactivation_is_refused_while_active_places_remain_below(places, events):
    before = state()
    with pytest.raises(Conflict, match="Kenya still has 2 active places under it; deactivate those first"):
        geo.deactivate_geo_node(SYSTEM, node_id=places["zone"].id)
    with pytest.raises(Conflict, match="Westlands still has 1 active place under it"):
        geo.deactivate_geo_node(SYSTEM, node_id=node("WST").id)
    assert state() == before and events == []
    geo.deactivate_geo_node(SYSTEM, node_id=places["westlands"].id)
    assert geo.deactivate_geo_node(SYSTEM, node_id=node("WST").id).is_active is False
    [row] = audit_rows("geo.deactivate", node("WST").id)
    assert (row.before["is_active"], row.after["is_active"]) == (True, False)
    assert [e.name for e in events] == ["geo.deactivated"] * 2


def test_reactivation_needs_an_active_parent(places):
    geo.deactivate_geo_node(SYSTEM, node_id=places["westlands"].id)
    geo.deactivate_geo_node(SYSTEM, node_id=node("WST").id)
    before = state()
    with pytest.raises(Conflict, match="Westlands, which holds Westlands Town, is inactive; reactivate it first"):
        geo.reactivate_geo_node(SYSTEM, node_id=places["westlands"].id)
    assert state() == before
    geo.reactivate_geo_node(SYSTEM, node_id=node("WST").id)
    assert geo.reactivate_geo_node(SYSTEM, node_id=places["westlands"].id).is_active
    [row] = audit_rows("geo.reactivate", places["westlands"].id)
    assert (row.before["is_active"], row.after["is_active"]) == (False, True)


def test_delete_is_refused_while_anything_refers_to_the_node(places, factories):
    factories.user("regional_sales", scope_code="WST-T")
    factories.party(PartyKind.FACTORY, places["nakuru_town"])
    before = state()
    with pytest.raises(Conflict, match="Rift is used by 1 place under it; deactivate it instead"):
        geo.delete_geo_node(SYSTEM, node_id=places["rift"].id)
    with pytest.raises(Conflict, match="Westlands Town is used by 1 user's scope; deactivate it instead"):
        geo.delete_geo_node(SYSTEM, node_id=places["westlands"].id)
    with pytest.raises(Conflict, match="Nakuru Town is used by 1 party; deactivate it instead"):
        geo.delete_geo_node(SYSTEM, node_id=places["nakuru_town"].id)
    assert state() == before


def test_an_unreferenced_node_can_be_deleted(places, events):
    mistake = geo.add_geo_node(SYSTEM, code="TYPO", name="Nakru", parent_code="NKR")
    geo.delete_geo_node(SYSTEM, node_id=mistake.id)
    with reading() as s:
        assert geo_q.node_by_code(s, "TYPO") is None
    [row] = audit_rows("geo.delete", mistake.id)
    assert row.before["name"] == "Nakru" and row.after is None
    assert [e.name for e in events] == ["geo.created", "geo.deleted"]


def test_the_tree_lists_parents_before_children_within_the_actors_area(places, factories):
    everything = geo.geo_tree(SYSTEM)
    assert [r.code for r in everything] == ["KE", "KE-CT", "NRB", "WST", "WST-T", "KE-RV", "RFT", "NKR", "NKR-T"]
    assert [r.depth for r in everything] == [0, 1, 2, 3, 4, 1, 2, 3, 4]
    rift = geo.geo_tree(factories.actor("executive", scope_code="RFT"))
    assert [(r.code, r.level) for r in rift] == [
        ("RFT", GeoLevel.REGION), ("NKR", GeoLevel.AREA), ("NKR-T", GeoLevel.TERRITORY)]
    geo.deactivate_geo_node(SYSTEM, node_id=places["nakuru_town"].id)
    assert [r.code for r in geo.geo_tree(factories.actor("executive", scope_code="RFT"),
                                         include_inactive=False)] == ["RFT", "NKR"]


def test_pickers_offer_active_places_inside_the_area(places, factories):
    assert [c.code for c in geo.geo_choices(SYSTEM, level="territory")] == ["NKR-T", "WST-T"]
    nairobi = factories.actor("regional_sales", scope_code="NRB")
    assert [c.label for c in geo.geo_choices(nairobi)] == ["Nairobi (NRB)", "Westlands (WST)",
                                                           "Westlands Town (WST-T)"]
    assert geo.geo_choices(nairobi, search="nakuru") == []
    assert [c.code for c in geo.geo_choices(SYSTEM, search="nak")] == ["NKR", "NKR-T"]
    geo.deactivate_geo_node(SYSTEM, node_id=places["westlands"].id)
    assert [c.code for c in geo.geo_choices(nairobi, level=GeoLevel.TERRITORY)] == []
    with pytest.raises(PermissionDenied, match="Rift is outside your area"):
        geo.get_geo_node(nairobi, node_id=places["rift"].id)
    assert geo.get_geo_node(nairobi, node_id=places["nairobi"].id).depth == 2


def test_events_are_published_after_commit_and_never_for_a_refusal(places):
    seen: list[tuple[str, bool]] = []

    def committed(event: DomainEvent) -> None:
        with reading() as s:  # another session: sees only committed rows
            seen.append((event.name, geo_q.node_by_code(s, event.data["code"]) is not None))

    bus.subscribe(committed)
    geo.add_geo_node(SYSTEM, code="NVS", name="Naivasha", parent_code="RFT")
    with pytest.raises(ValidationFailed):
        geo.add_geo_node(SYSTEM, code="NVS", name="Naivasha again", parent_code="RFT")
    assert seen == [("geo.created", True)]


def test_move_also_rewrites_documents_placed_in_the_subtree(places, factories):
    """Every table with a territory_path follows a move (here a stock count), not only parties."""
    from domain.services.counts import start_count

    town = places["nakuru_town"]
    depot = factories.party(PartyKind.DISTRIBUTOR, town, code="NKR-D")
    flour = factories.product(kind="raw_material")
    count = start_count(SYSTEM, location_id=depot.id, business_date="2026-11-20", product_ids=[flour.id])
    area = node("NKR")
    geo.move_geo_node(SYSTEM, node_id=area.id, parent_code="NRB")
    with reading() as session:
        from domain.models.counts import StockCount

        assert session.get(StockCount, count.id).territory_path == f"{places['nairobi'].path}{area.id}/{town.id}/"
