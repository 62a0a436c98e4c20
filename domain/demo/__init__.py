"""The demo company (never in production): a realistic Kenyan bakery, generated through the services.

    geography.py  real Kenyan places, zone > state > region > area > territory
    catalogue.py  breads, buns, scones and cakes with recipes over raw materials and packaging
    parties.py    factories, distributors per region, the retailers they supply (planned from a seed)
    bulk.py       many parties per transaction, for the `large` scale
    users.py      the demo logins, and one regional sales login per region
    history.py    the last 90 days of production and stock at the factories (supplier deliveries, logs)
    sales_history.py  the same 90 days of primary, secondary and tertiary orders, delivered and invoiced
    collections.py  the customers paying those invoices: most on time, some late, a few very late or in part
    reads.py      what the history reads back between its service calls
    simulate.py   `chesanto demo --simulate`: the company keeps working while you watch
    seed.py       `seed(scale=..., seed=...)`: all of the above, idempotent
"""

from domain.demo.seed import DEFAULT_SEED, SCALES, SeedReport, seed
from domain.demo.users import DEMO_PASSWORD, DemoLogin, ensure_demo_users, sales_username

__all__ = [
    "DEFAULT_SEED", "DEMO_PASSWORD", "SCALES", "DemoLogin", "SeedReport", "ensure_demo_users", "sales_username",
    "seed",
]
