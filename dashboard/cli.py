"""The `chesanto` command: serve, migrate, createuser, demo, seed, check, rollups."""

import argparse
import getpass
import sys
from typing import TYPE_CHECKING

from domain.config import ConfigError, database_label, get_settings, resolve_database_url

if TYPE_CHECKING:
    from domain.demo import SeedReport


def _migrate() -> None:
    from domain import db, migrate
    from domain.services.access import seed_access

    url = resolve_database_url(get_settings())
    print(f"Migrating {database_label(url)} ...")
    migrate.upgrade(url)
    db.configure(url)
    seed_access()
    print("Database is up to date; default roles and permissions are in place.")


def cmd_serve(args: argparse.Namespace) -> int:
    from dashboard.app import serve

    settings = get_settings()
    print(f"Chesanto Operations on http://{settings.host}:{settings.port} "
          f"({database_label(resolve_database_url(settings))})")
    serve()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _migrate()
    return 0


def _read_password(confirm: bool) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Password again: ") != password:
        raise SystemExit("The passwords do not match.")
    return password


def cmd_createuser(args: argparse.Namespace) -> int:
    from domain import db
    from domain.access import SYSTEM
    from domain.errors import DomainError
    from domain.services.users import create_user

    db.configure()
    password = _read_password(confirm=True)
    try:
        user = create_user(SYSTEM, username=args.username, role=args.role, password=password,
                           full_name=args.full_name or args.username, scope_code=args.scope,
                           email=args.email, phone=args.phone)
    except DomainError as exc:
        print(f"Not created: {exc.message}", file=sys.stderr)
        return 2
    print(f"Created {user.username} ({args.role}{', scope ' + args.scope if args.scope else ''}).")
    return 0


def _seed(scale: str, seed: int) -> "SeedReport | None":
    """Seed and print what was created; None (after saying why) when a service refused a record."""
    from domain.demo import seed as seed_company
    from domain.errors import DomainError

    url = resolve_database_url(get_settings())
    print(f"Seeding the {scale} company (seed {seed}) into {database_label(url)} ...")
    if scale == "demo":
        print("The first run also makes 90 days of production, orders in three tiers, invoices and payments: "
              "two or three minutes.")
    else:
        print("The first run also writes a year of trade in bulk (2 M orders, 10 M order lines): several minutes.")
    try:
        report = seed_company(scale=scale, seed=seed)
    except DomainError as exc:
        print(f"Stopped: {exc.message} (what was created so far stays; running again carries on).",
              file=sys.stderr)
        return None
    for line in report.summary():
        print(line)
    return report


def cmd_seed(args: argparse.Namespace) -> int:
    if get_settings().is_production:
        print("chesanto seed is not for production (CHESANTO_ENV=production).", file=sys.stderr)
        return 2
    _migrate()
    return 0 if _seed(args.scale, args.seed) is not None else 2


def cmd_demo(args: argparse.Namespace) -> int:
    from domain.demo import DEFAULT_SEED, DEMO_PASSWORD

    if get_settings().is_production:
        print("chesanto demo is not for production (CHESANTO_ENV=production).", file=sys.stderr)
        return 2
    _migrate()
    report = _seed("demo", DEFAULT_SEED)
    if report is None:
        return 2
    print("\nDemo logins (password for all: " + DEMO_PASSWORD + "):")
    for login in report.logins:
        where = f"  {login.scope} region" if login.scope else ""
        print(f"  {login.username:<14} {login.full_name:<18} {login.role}{where}")
    if args.no_serve:
        return 0
    if args.simulate:
        from domain.demo.simulate import Simulator

        Simulator(interval=args.every).start()
        print(f"Simulating the company's day: one production, order, payment or expense every {args.every:g} s.")
    return cmd_serve(args)


def cmd_check(args: argparse.Namespace) -> int:
    from domain import db
    from domain.services.integrity import run_checks

    db.configure()
    failed = False
    for name, problems in run_checks().items():
        if problems:
            failed = True
            for problem in problems:
                print(f"FAIL {name}: {problem}")
        else:
            print(f"ok   {name}")
    return 1 if failed else 0


def cmd_rollups(args: argparse.Namespace) -> int:
    from domain import db
    from domain.services.rollups import rebuild_rollups

    db.configure()
    for table, rows in rebuild_rollups().items():
        print(f"{table}: {rows:,} rows rebuilt from the documents")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chesanto", description="Chesanto Operations.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve the app on $HOST:$PORT (no reload, no browser)",
                                description="Serve the app. Honours HOST and PORT (default 0.0.0.0:8080).")
    serve.set_defaults(func=cmd_serve)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date and seed roles",
                                  description="Run Alembic migrations to head, then seed default roles.")
    migrate.set_defaults(func=cmd_migrate)

    create = commands.add_parser("createuser", help="create a user (password from a prompt or stdin)",
                                 description="Create a user. The password is asked for, or read from stdin.")
    create.add_argument("username")
    create.add_argument("--role", required=True,
                        help="admin, executive, finance, production_manager, storekeeper, regional_sales, auditor")
    create.add_argument("--scope", help="geography code the user is limited to (default: company-wide)")
    create.add_argument("--full-name", help="the person's name (default: the username)")
    create.add_argument("--email")
    create.add_argument("--phone")
    create.set_defaults(func=cmd_createuser)

    rollups = commands.add_parser(
        "rollups", help="recompute the dashboard's daily rollups from the documents",
        description="Rebuild the daily rollups (sales, production, payments) from orders, production logs and "
                    "payments, in one transaction. `chesanto check` says when they differ.")
    rollups.add_argument("action", choices=["rebuild"])
    rollups.set_defaults(func=cmd_rollups)

    demo = commands.add_parser(
        "demo", help="migrate, seed the demo company, print the demo logins and serve",
        description="Set up the demo on this database and serve it: migrate, seed the demo company (as "
                    "`chesanto seed --scale demo`; whatever exists is kept) and print the demo logins, among them "
                    "one regional sales login per region (sales.<region code>). Never in production.")
    demo.add_argument("--no-serve", action="store_true", help="set up and print the logins, then exit")
    demo.add_argument("--simulate", action="store_true",
                      help="while serving, keep posting realistic production, orders, payments and expenses")
    demo.add_argument("--every", type=float, default=3.0, metavar="SECONDS",
                      help="seconds between simulated steps (default 3)")
    demo.set_defaults(func=cmd_demo)

    seed = commands.add_parser(
        "seed", help="migrate and fill the database with a realistic demo company",
        description="Migrate, then create a realistic Kenyan bakery through the services: geography (zones to "
                    "territories), 25 finished goods with recipes over raw materials and packaging, 3 factories, "
                    "distributors and retailers in every region, and the demo logins; at the demo scale also the "
                    "last 90 days of trade (production logs, supplier deliveries, primary, secondary and tertiary "
                    "orders with their invoices, write-offs) and the stock they leave. Deterministic from --seed; "
                    "idempotent: what exists (by code) is kept, so a second run creates nothing, and the history "
                    "is made only while no production log exists. Never in production.")
    seed.add_argument("--scale", choices=["demo", "large"], default="demo",
                      help="demo: 30 distributors and 600 retailers with 90 days of trade (default); large: ten "
                           "times as many, with a year of trade written in bulk (10 M order lines), for benchmarks")
    seed.add_argument("--seed", type=int, default=2026, metavar="N",
                      help="random seed: the same seed gives the same company (default: 2026)")
    seed.set_defaults(func=cmd_seed)

    check = commands.add_parser("check", help="run integrity checks; exit 1 naming each problem",
                                description="Check the database: schema at head, roles and permissions seeded.")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
