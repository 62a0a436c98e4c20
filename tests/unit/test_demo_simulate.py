"""The simulator's steps go through the services: they leave real documents, a balanced ledger and no errors."""

from domain.db import reading
from domain.demo.simulate import Simulator
from domain.services.integrity import ledger_balances


def test_simulated_steps_make_real_documents_and_keep_the_ledger_true(db, factories):
    chain = factories.sales_chain(stock="500")
    flour = factories.product("FLR", kind="raw_material", name="Flour")
    factories.finished_good_with_recipe("BUN", name="Buns", recipe={flour.sku: "0.1"})
    factories.user("admin", username="admin")
    factories.user("production_manager", username="production")
    factories.user("storekeeper", username="storekeeper")
    factories.user("finance", username="finance")
    factories.stock(chain["distributor"], chain["bread"], "200")
    factories.stock(chain["retailer"], chain["bread"], "50")
    sim = Simulator(seed=3, interval=0)
    outcomes = [sim.step() for _ in range(30)]
    assert not [o for o in outcomes if "Traceback" in o]
    assert sum(sim.steps.values()) == 30 and len(sim.steps) >= 4, sim.steps
    made = [o for o in outcomes if o.startswith(("production: PL-", "secondary: SO-", "tertiary: TO-", "primary: PO-",
                                                 "payment: PAY-", "expense: EXP-"))]
    assert len(made) >= 10, outcomes
    with reading() as s:
        assert ledger_balances(s) == []
