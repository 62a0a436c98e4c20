"""/admin/geography: browse the tree, change it through the services, see only one's own area, refusals as messages."""

from nicegui import ui
from nicegui.testing import User

from domain.access import SYSTEM
from domain.services.geography import GeoRow, geo_tree
from domain.services.users_admin import create_role
from tests.ui.helpers import eventually, sign_in

PATH = "/admin/geography"
WAIT = 5.0  # seconds before this file's waits give up (these tests always waited 5 s, not the shared 10 s)


def tree_by_code() -> dict[str, GeoRow]:
    return {row.code: row for row in geo_tree(SYSTEM)}


async def select(user: User, row: GeoRow) -> None:
    """Click a place in the tree (QTree reports the chosen node key) and wait for its details."""
    user.find(ui.tree).trigger("update:selected", str(row.id))

    def shown() -> bool:
        try:
            labels = user.find(marker="geo-detail-name").elements
        except AssertionError:  # nothing chosen yet
            return False
        return any(getattr(label, "text", None) == row.name for label in labels)

    await eventually(shown, f"the details of {row.name}", WAIT)


def row_of(node) -> GeoRow:
    return tree_by_code()[node.code]


def field(user: User, marker: str) -> ui.input:
    element = user.find(marker=marker).elements.pop()
    assert isinstance(element, ui.input)
    return element


async def fill_and_submit(user: User, **values: str) -> None:
    for marker, text in values.items():
        user.find(marker=f"geo-{marker}").clear().type(text)
    user.find(marker="geo-submit").click()


async def open_as_admin(user: User, factories) -> dict:
    places = factories.geography()
    factories.user("admin", username="grace", full_name="Grace Wanjiru")
    await sign_in(user, "grace", PATH, WAIT)
    await user.should_see("Rift Valley", retries=40)
    return places


async def test_an_admin_adds_a_zone_and_places_under_it_and_renames_one(user: User, factories) -> None:
    await open_as_admin(user, factories)

    user.find(marker="geo-add-zone").click()
    await user.should_see("The new place will be a zone.")
    await fill_and_submit(user, code="ug", name="Uganda")
    await user.should_see("Add state under Uganda", retries=40)  # the new zone is selected

    user.find("Add state under Uganda").click()
    await fill_and_submit(user, code="UG-C", name="Central Uganda")
    await user.should_see("Add region under Central Uganda", retries=40)

    await select(user, tree_by_code()["KE-RV"])
    await user.should_see("Add region under Rift Valley")
    user.find("Add region under Rift Valley").click()
    await fill_and_submit(user, code="ELD", name="Eldoret")
    await user.should_see("Add area under Eldoret", retries=40)

    user.find(marker="geo-rename").click()
    await fill_and_submit(user, name="Eldoret  North")
    await eventually(lambda: tree_by_code()["ELD"].name == "Eldoret North", "the rename", WAIT)
    await user.should_see("Renamed to Eldoret North", retries=40)

    rows = tree_by_code()
    assert (rows["UG"].level.value, rows["UG"].parent_id) == ("zone", None)
    assert (rows["UG-C"].level.value, rows["UG-C"].parent_id) == ("state", rows["UG"].id)
    assert (rows["ELD"].level.value, rows["ELD"].parent_id, rows["ELD"].name) == (
        "region", rows["KE-RV"].id, "Eldoret North")
    tree = user.find(ui.tree).elements.pop()
    assert tree.props["selected"] == str(rows["ELD"].id)  # the selection survives the refresh
    assert "Eldoret North" in {node["label"] for node in tree.nodes()}


async def test_a_duplicate_code_is_shown_next_to_the_code_field_and_nothing_is_written(
    user: User, factories,
) -> None:
    places = await open_as_admin(user, factories)
    before = tree_by_code()
    await select(user, row_of(places["rift"]))
    user.find("Add area under Rift").click()
    await fill_and_submit(user, code="nkr", name="Nakuru Again")

    await eventually(lambda: bool(field(user, "geo-code").error), "the error under Code", WAIT)
    assert field(user, "geo-code").error == "Code NKR is already in use"
    assert not field(user, "geo-name").error
    assert tree_by_code() == before


async def test_deleting_a_place_in_use_shows_the_refusal(user: User, factories) -> None:
    places = await open_as_admin(user, factories)
    await select(user, row_of(places["rift"]))
    user.find(marker="geo-delete").click()
    await user.should_see("Delete Rift?")
    user.find(marker="geo-submit").click()
    await user.should_see("Rift is used by 1 place under it; deactivate it instead.", retries=40)
    assert "RFT" in tree_by_code()


async def test_deactivating_then_reactivating_a_territory(user: User, factories) -> None:
    places = await open_as_admin(user, factories)
    await select(user, row_of(places["nakuru_town"]))
    user.find(marker="geo-deactivate").click()
    await user.should_see("Nakuru Town deactivated", retries=40)
    assert tree_by_code()["NKR-T"].is_active is False
    await user.should_see(marker="geo-reactivate")
    user.find(marker="geo-reactivate").click()
    await user.should_see("Nakuru Town reactivated", retries=40)
    assert tree_by_code()["NKR-T"].is_active is True


async def test_a_regional_user_sees_only_their_region_and_no_changes(user: User, factories) -> None:
    places = factories.geography()
    factories.user("regional_sales", username="kiprono", scope_code="RFT")
    await sign_in(user, "kiprono", PATH, WAIT)
    await user.should_see("Nakuru Town", retries=40)
    for elsewhere in ("Kenya", "Rift Valley", "Nairobi", "Westlands"):
        await user.should_not_see(elsewhere)
    tree = user.find(ui.tree).elements.pop()
    assert {node["code"] for node in tree.nodes()} == {"RFT", "NKR", "NKR-T"}

    await select(user, row_of(places["rift"]))
    await user.should_see("1 area")
    for marker in ("geo-add-zone", "geo-add-child", "geo-rename", "geo-move", "geo-deactivate", "geo-delete"):
        await user.should_not_see(marker=marker)


async def test_a_scoped_manager_changes_inside_their_area_but_adds_no_zone(user: User, factories) -> None:
    places = factories.geography()
    create_role(SYSTEM, code="regional_manager", name="Regional manager",
                codes={"masterdata.view", "geography.manage"})
    factories.user("regional_manager", username="wanjiku", scope_code="RFT")
    await sign_in(user, "wanjiku", PATH, WAIT)
    await user.should_see("Nakuru Town", retries=40)
    await user.should_not_see(marker="geo-add-zone")
    await select(user, row_of(places["rift"]))
    await user.should_see("Add area under Rift")
    user.find("Add area under Rift").click()
    await fill_and_submit(user, code="NVS", name="Naivasha")
    await user.should_see("Added area Naivasha", retries=40)
    assert tree_by_code()["NVS"].parent_id == places["rift"].id


async def test_a_role_without_masterdata_view_is_not_permitted(user: User, factories) -> None:
    # every default role may view master data, so the refused role is made for the test
    create_role(SYSTEM, code="driver", name="Driver", codes={"orders.view"})
    factories.user("driver", username="otieno")
    await sign_in(user, "otieno", PATH, WAIT)
    await user.should_see("Not permitted")
    await user.should_see("Your role (Driver) may not open /admin/geography.")
    await user.should_not_see(ui.tree)
