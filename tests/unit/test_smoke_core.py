from domain.services.auth import login
from tests.factories import PASSWORD


def test_login_returns_the_actor_with_role_permissions(factories):
    factories.user("storekeeper", username="jane")
    actor = login(username="jane", password=PASSWORD)
    assert actor.role == "storekeeper" and actor.can("stock.count") and not actor.can("users.manage")
