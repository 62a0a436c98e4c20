"""The demo's trading partners: three factories, distributors in every region, and the retailers they supply.

The plan is a pure function of the seed: the same seed gives the same codes, names, places, limits and terms on
any database. It is built in blocks (the demo scale is block 0; `large` adds blocks 1-9), so a larger scale holds
the smaller one and seeding `large` after `demo` only adds.
"""

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from random import Random
from typing import Any

from domain.access import SYSTEM
from domain.demo import names
from domain.demo.bulk import create_parties_in_bulk
from domain.demo.geography import REGIONS, Region
from domain.models import PartyKind
from domain.services.parties import create_party, list_parties

# Distributors per region in one block; each supplies about RETAILERS_PER_DISTRIBUTOR retailers.
DISTRIBUTORS_PER_REGION = {"NRB": 6, "CEN": 4, "SRT": 4, "NRT": 3, "NYZ": 4, "WST": 3, "CST": 3, "EST": 3}
RETAILERS_PER_DISTRIBUTOR = 20

# (kind of outlet) -> (credit limit from, to in KES, payment terms to choose from, in days)
_RETAIL_TERMS: dict[str, tuple[int, int, tuple[int, ...]]] = {
    "kiosk": (20_000, 50_000, (7,)), "duka": (20_000, 60_000, (7,)), "shop": (30_000, 100_000, (7, 14)),
    "minimart": (50_000, 150_000, (14,)), "hotel": (30_000, 100_000, (14,)),
    "supermarket": (100_000, 200_000, (14, 30)),
}


@dataclass(frozen=True)
class PartySpec:
    kind: PartyKind
    code: str
    name: str
    territory_code: str
    region: str
    phone: str | None
    email: str | None
    credit_limit: Decimal
    payment_terms_days: int
    distributor_code: str | None = None

    def fields(self) -> dict[str, Any]:
        """create_party's keyword arguments."""
        return {"kind": self.kind, "code": self.code, "name": self.name, "territory_code": self.territory_code,
                "phone": self.phone, "email": self.email, "credit_limit": self.credit_limit,
                "payment_terms_days": self.payment_terms_days, "distributor_code": self.distributor_code}


FACTORIES: tuple[PartySpec, ...] = tuple(
    PartySpec(PartyKind.FACTORY, code, name, territory, region, phone, email, Decimal(0), 0)
    for code, name, territory, region, phone, email in (
        ("FAC-NRB", "Chesanto Bakers Nairobi", "NRB-IND", "NRB", "+254 20 555 0100", "nairobi@chesanto.co.ke"),
        ("FAC-ELD", "Chesanto Bakers Eldoret", "UGS-ELD", "NRT", "+254 53 555 0200", "eldoret@chesanto.co.ke"),
        ("FAC-MSA", "Chesanto Bakers Mombasa", "MSA-CHG", "CST", "+254 41 555 0300", "mombasa@chesanto.co.ke"),
    )
)


def _town_names() -> dict[str, str]:
    return {code: name for region in REGIONS for _, _, territories in region.areas for code, name in territories}


class _Names:
    """Hands out names not yet taken where they trade (the whole country for distributors, the territory for a
    retailer: every town has its Baraka Shop), re-drawing a few times before adding the town or a number."""

    def __init__(self) -> None:
        self.used = {("", f.name.lower()) for f in FACTORIES}

    def take(self, draw: Callable[[], tuple[str, str]], town: str, where: str = "", tries: int = 8) -> tuple[str, str]:
        for _ in range(tries):
            kind, name = draw()
            if (where, name.lower()) not in self.used:
                break
        candidates = itertools.chain((name, name if town in name else f"{name} {town}"),
                                     (f"{name} {n}" for n in itertools.count(2)))
        chosen = next(c for c in candidates if (where, c.lower()) not in self.used)
        self.used.add((where, chosen.lower()))
        return kind, chosen


def _email(name: str) -> str:
    words = [w for w in re.sub(r"[^a-z ]", "", name.lower()).split() if w not in ("ltd", "and", "sons")]
    return f"orders@{''.join(words)[:40]}.co.ke"


def _amount(rng: Random, low: int, high: int, step: int) -> Decimal:
    return Decimal(rng.randrange(low, high + 1, step))


def _block(rng: Random, block: int, region: Region, taken: _Names, towns: dict[str, str]) -> Iterator[PartySpec]:
    """One block of one region: its distributors, then the retailers they supply."""
    areas = [(code, [t for t, _ in territories]) for code, _, territories in region.areas]
    count = DISTRIBUTORS_PER_REGION[region.code]
    distributors: list[tuple[str, str]] = []  # (code, area code)
    for n in range(count):
        area, territories = areas[(n + block) % len(areas)]
        territory = rng.choice([territories[0]] * 2 + territories)  # the county's main town is likelier
        _, name = taken.take(lambda t=territory: ("", names.distributor_name(rng, region.code, towns[t])),
                             towns[territory], tries=40)
        code = f"DST-{region.code}-{block * count + n + 1:03d}"
        distributors.append((code, area))
        yield PartySpec(PartyKind.DISTRIBUTOR, code, name, territory, region.code, names.phone(rng), _email(name),
                        _amount(rng, 500_000, 3_000_000, 50_000), rng.choice((7, 14, 30)))
    places = [(area, territory) for area, territories in areas for territory in territories]
    per_block = count * RETAILERS_PER_DISTRIBUTOR
    for n in range(per_block):
        area, territory = rng.choice(places)
        kind, name = taken.take(lambda t=territory: names.retailer(rng, region.code, towns[t]), towns[territory],
                                territory)
        nearby = [code for code, at in distributors if at == area] or [code for code, _ in distributors]
        low, high, terms = _RETAIL_TERMS[kind]
        yield PartySpec(PartyKind.RETAILER, f"RTL-{region.code}-{block * per_block + n + 1:04d}", name, territory,
                        region.code, names.phone(rng), None, _amount(rng, low, high, 5_000), rng.choice(terms),
                        distributor_code=rng.choice(nearby))


def plan_parties(*, blocks: int, seed: int) -> list[PartySpec]:
    """Factories, then block by block and region by region: distributors, then their retailers."""
    taken, towns = _Names(), _town_names()
    plan = list(FACTORIES)
    for block in range(blocks):
        rng = Random(f"chesanto-demo/{seed}/{block}")
        for region in REGIONS:
            plan.extend(_block(rng, block, region, taken, towns))
    return plan


def existing_party_codes() -> set[str]:
    codes: set[str] = set()
    page = 5000
    while True:
        rows = list_parties(SYSTEM, include_inactive=True, limit=page, offset=len(codes))
        codes.update(row.code for row in rows)
        if len(rows) < page:
            return codes


def ensure_parties(plan: list[PartySpec], *, bulk: bool = False) -> dict[PartyKind, tuple[int, int]]:
    """Create the planned parties that are missing (by code), in plan order, each through create_party; with
    `bulk`, retailers go through the bulk writer instead. Returns {kind: (created, present)}."""
    existing = existing_party_codes()
    counts = {kind: [0, 0] for kind in PartyKind}
    batch: list[PartySpec] = []
    for spec in plan:
        if spec.code in existing:
            counts[spec.kind][1] += 1
            continue
        counts[spec.kind][0] += 1
        if bulk and spec.kind is PartyKind.RETAILER:
            batch.append(spec)
        else:
            create_party(SYSTEM, **spec.fields())
    if batch:
        create_parties_in_bulk(SYSTEM, [spec.fields() for spec in batch])
    return {kind: (created, present) for kind, (created, present) in counts.items()}
