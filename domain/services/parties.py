"""Parties: the factories, distributors and retailers that sell, buy and hold stock.

Every party sits on a geography node (its territory) and is seen only by people whose area holds that node.
A retailer buys from one supplying distributor. Parties in use are deactivated, never deleted.
"""

import re
from dataclasses import dataclass
from decimal import Decimal

from pydantic import BaseModel, EmailStr, field_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from domain.access import Actor
from domain.db import reading, snapshot, transaction
from domain.errors import Conflict, NotFound, ValidationFailed
from domain.events import DomainEvent
from domain.models import GeoNode, Party, PartyKind
from domain.queries import geography as geo_q
from domain.queries import parties as parties_q
from domain.services.geography import clean_code, clean_name
from domain.tables import Column, TableSource
from domain.types import MONEY_PLACES, to_decimal
from domain.validation import parse

_LABELS = {
    "kind": "Kind", "code": "Code", "name": "Name", "territory_code": "Territory", "phone": "Phone",
    "email": "Email", "credit_limit": "Credit limit", "payment_terms_days": "Payment terms",
    "distributor_code": "Supplying distributor",
}
_EDITABLE = frozenset(_LABELS)
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]*[0-9]")
MAX_CREDIT_LIMIT = Decimal("1000000000000")  # KES 1 trillion: far above any real limit, far below the column's


class PartyInput(BaseModel):
    kind: PartyKind
    code: str
    name: str
    territory_code: str
    phone: str | None = None
    email: EmailStr | None = None
    credit_limit: Decimal = Decimal("0")
    payment_terms_days: int = 0
    distributor_code: str | None = None

    _code = field_validator("code")(clean_code)
    _name = field_validator("name")(clean_name)

    @field_validator("phone", "email", "distributor_code", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return (value.strip() or None) if isinstance(value, str) else value

    @field_validator("territory_code", mode="before")
    @classmethod
    def _required(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValueError("is required")
        return value.strip() if isinstance(value, str) else value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        digits = sum(c.isdigit() for c in value or "")
        if value is not None and (not _PHONE.fullmatch(value) or not 7 <= digits <= 15 or len(value) > 30):
            raise ValueError("must be a phone number such as +254 712 345 678")
        return value

    @field_validator("credit_limit", mode="before")
    @classmethod
    def _credit_limit(cls, value: object) -> Decimal:
        if value is None or (isinstance(value, str) and not value.strip()):
            return Decimal("0")
        try:
            amount = to_decimal(value, places=MONEY_PLACES)
        except ValueError:
            raise ValueError("must be an amount with at most 2 decimal places") from None
        if amount < 0:
            raise ValueError("cannot be negative")
        if amount > MAX_CREDIT_LIMIT:
            raise ValueError("is too large")
        return amount

    @field_validator("payment_terms_days", mode="before")
    @classmethod
    def _terms(cls, value: object) -> int:
        if value is None or (isinstance(value, str) and not value.strip()):
            return 0
        try:
            days = Decimal(str(value).strip()) if not isinstance(value, bool) else Decimal("nan")
        except ArithmeticError:
            days = Decimal("nan")
        if not days.is_finite() or days != days.to_integral_value() or not 0 <= days <= 365:
            raise ValueError("must be a whole number of days from 0 to 365")
        return int(days)


@dataclass(frozen=True)
class PartyRow:
    id: int
    kind: PartyKind
    code: str
    name: str
    territory_id: int
    territory_code: str
    territory_name: str
    territory_path: str
    phone: str | None
    email: str | None
    credit_limit: Decimal
    payment_terms_days: int
    distributor_id: int | None
    distributor_code: str | None
    distributor_name: str | None
    is_active: bool

    @classmethod
    def of(cls, party: Party, node: GeoNode, distributor: Party | None) -> "PartyRow":
        assert party.id is not None
        return cls(
            id=party.id, kind=party.kind, code=party.code, name=party.name, territory_id=party.territory_id,
            territory_code=node.code, territory_name=node.name, territory_path=party.territory_path,
            phone=party.phone, email=party.email, credit_limit=party.credit_limit,
            payment_terms_days=party.payment_terms_days, distributor_id=party.parent_distributor_id,
            distributor_code=distributor.code if distributor else None,
            distributor_name=distributor.name if distributor else None, is_active=party.is_active,
        )


@dataclass(frozen=True)
class PartyChoice:
    id: int
    code: str
    name: str
    kind: PartyKind

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"


def _event(name: str, party: Party, **extra: object) -> DomainEvent:
    return DomainEvent(name, scope_path=party.territory_path,
                       data={"id": party.id, "code": party.code, "kind": party.kind.value, **extra})


def _party_to_change(actor: Actor, session: Session, party_id: int) -> Party:
    party = parties_q.party_by_id(session, party_id, for_update=True)
    if party is None:
        raise NotFound(f"No party with id {party_id}.")
    actor.ensure_sees(party.territory_path, party.name)
    return party


def _territory(session: Session, actor: Actor, code: str, current: Party | None) -> GeoNode:
    """The node a party is placed on: inside the actor's area, and active unless the party already sits there."""
    node = geo_q.node_by_code(session, code, for_share=True)  # its path cannot move under us
    if node is None:
        raise ValidationFailed.field("Territory", f"no geography with code {code}")
    actor.ensure_sees(node.path, node.name)
    if not node.is_active and (current is None or current.territory_id != node.id):
        raise ValidationFailed.field("Territory", f"{node.name} is inactive")
    return node


def _distributor(session: Session, actor: Actor, data: PartyInput, current: Party | None) -> Party | None:
    """A retailer's supplying distributor (a visible, active distributor); other kinds have none."""
    label = "Supplying distributor"
    if data.kind is not PartyKind.RETAILER:
        if data.distributor_code:
            raise ValidationFailed.field(label, "only retailers have a supplying distributor")
        return None
    if not data.distributor_code:
        raise ValidationFailed.field(label, "a retailer needs a supplying distributor")
    found = parties_q.party_by_code(session, data.distributor_code, for_share=True)
    if found is None or not actor.sees(found.territory_path):
        raise ValidationFailed.field(label, f"no distributor with code {data.distributor_code.upper()} in your area")
    if found.kind is not PartyKind.DISTRIBUTOR:
        raise ValidationFailed.field(label, f"{found.name} is a {found.kind.value}, not a distributor")
    if not found.is_active and (current is None or current.parent_distributor_id != found.id):
        raise ValidationFailed.field(label, f"{found.name} is inactive")
    return found


def _apply(party: Party, data: PartyInput, territory: GeoNode, distributor: Party | None) -> None:
    assert territory.id is not None
    party.code, party.name = data.code, data.name
    party.territory_id, party.territory_path = territory.id, territory.path
    party.phone, party.email = data.phone, data.email
    party.credit_limit, party.payment_terms_days = data.credit_limit, data.payment_terms_days
    party.parent_distributor_id = distributor.id if distributor else None


def _flush(session: Session, code: str) -> None:
    try:
        session.flush()
    except IntegrityError:  # a concurrent insert took the code between our check and our write
        raise ValidationFailed.field("Code", f"{code} is already in use") from None


def create_party(
    actor: Actor, *, kind: PartyKind | str, code: str, name: str, territory_code: str,
    phone: str | None = None, email: str | None = None, credit_limit: Decimal | str | int = Decimal("0"),
    payment_terms_days: int | str = 0, distributor_code: str | None = None,
) -> Party:
    """Add a factory, distributor or retailer on a geography node inside the actor's area."""
    actor.require("parties.manage")
    fields = {"kind": kind, "code": code, "name": name, "territory_code": territory_code, "phone": phone,
              "email": email, "credit_limit": credit_limit, "payment_terms_days": payment_terms_days,
              "distributor_code": distributor_code}
    data = parse(PartyInput, fields, _LABELS)
    with transaction(actor) as tx:
        session = tx.session
        if parties_q.code_taken(session, data.code):
            raise ValidationFailed.field("Code", f"{data.code} is already in use")
        territory = _territory(session, actor, data.territory_code, None)
        distributor = _distributor(session, actor, data, None)
        party = Party(kind=data.kind, code=data.code, name=data.name, territory_id=0, territory_path="")
        _apply(party, data, territory, distributor)
        session.add(party)
        _flush(session, data.code)
        tx.audit("party.create", party, scope_path=party.territory_path)
        tx.emit(_event("party.created", party))
    return party


def update_party(actor: Actor, *, party_id: int, **changes: object) -> Party:
    """Change any of create_party's fields but `kind` (a distributor stays a distributor); audited before/after."""
    actor.require("parties.manage")
    unknown = set(changes) - _EDITABLE
    if unknown:
        raise TypeError(f"update_party() got unknown fields {sorted(unknown)}")
    with transaction(actor) as tx:
        session = tx.session
        party = _party_to_change(actor, session, party_id)
        node = geo_q.node_by_id(session, party.territory_id)
        supplier = parties_q.party_by_id(session, party.parent_distributor_id) if party.parent_distributor_id else None
        current = {
            "kind": party.kind, "code": party.code, "name": party.name, "territory_code": node.code if node else "",
            "phone": party.phone, "email": party.email, "credit_limit": party.credit_limit,
            "payment_terms_days": party.payment_terms_days, "distributor_code": supplier.code if supplier else None,
        }
        data = parse(PartyInput, {**current, **changes}, _LABELS)
        if data.kind is not party.kind:
            raise ValidationFailed.field(
                "Kind", f"a {party.kind.value} cannot become a {data.kind.value}; add a new party instead")
        if parties_q.code_taken(session, data.code, excluding_id=party.id):
            raise ValidationFailed.field("Code", f"{data.code} is already in use")
        territory = _territory(session, actor, data.territory_code, party)
        distributor = _distributor(session, actor, data, party)
        before = snapshot(party)
        _apply(party, data, territory, distributor)
        if snapshot(party) == before:
            return party
        _flush(session, data.code)
        tx.audit("party.update", party, before=before, scope_path=party.territory_path)
        tx.emit(_event("party.updated", party, old_path=before["territory_path"]))
    return party


def deactivate_party(actor: Actor, *, party_id: int) -> Party:
    """Stop using a party for new documents; a distributor must first hand over its active retailers."""
    actor.require("parties.manage")
    with transaction(actor) as tx:
        party = _party_to_change(actor, tx.session, party_id)
        if not party.is_active:
            return party
        assert party.id is not None
        retailers = parties_q.count_retailers_of(tx.session, party.id, active_only=True)
        if retailers:
            many = "active retailer" if retailers == 1 else "active retailers"
            raise Conflict(f"{party.name} still supplies {retailers} {many}; give them another "
                           f"distributor or deactivate them first.")
        before = snapshot(party)
        party.is_active = False
        tx.audit("party.deactivate", party, before=before, scope_path=party.territory_path)
        tx.emit(_event("party.deactivated", party))
    return party


def reactivate_party(actor: Actor, *, party_id: int) -> Party:
    actor.require("parties.manage")
    with transaction(actor) as tx:
        session = tx.session
        party = _party_to_change(actor, session, party_id)
        if party.is_active:
            return party
        supplier = parties_q.party_by_id(session, party.parent_distributor_id) if party.parent_distributor_id else None
        if supplier is not None and not supplier.is_active:
            raise Conflict(f"{supplier.name}, which supplies {party.name}, is inactive; reactivate it first "
                           f"or give {party.name} another distributor.")
        before = snapshot(party)
        party.is_active = True
        tx.audit("party.reactivate", party, before=before, scope_path=party.territory_path)
        tx.emit(_event("party.reactivated", party))
    return party


def delete_party(actor: Actor, *, party_id: int) -> None:
    """Delete a party nothing refers to (a mistake just made); anything in use is deactivated instead."""
    actor.require("parties.manage")
    with transaction(actor) as tx:
        session = tx.session
        party = _party_to_change(actor, session, party_id)
        assert party.id is not None
        retailers = parties_q.count_retailers_of(session, party.id)
        if retailers:
            many = "retailer" if retailers == 1 else "retailers"
            raise Conflict(f"{party.name} is the supplying distributor of {retailers} {many}; "
                           f"deactivate it instead.")
        tx.audit("party.delete", entity="party", entity_id=party.id, before=snapshot(party), after=None,
                 scope_path=party.territory_path)
        tx.emit(_event("party.deleted", party))
        session.delete(party)
        try:
            session.flush()
        except IntegrityError:  # stock, orders or invoices refer to it
            raise Conflict(f"{party.name} is in use; deactivate it instead.") from None


def get_party(actor: Actor, *, party_id: int) -> PartyRow:
    actor.require("masterdata.view")
    with reading() as session:
        party = parties_q.party_by_id(session, party_id)
        if party is None:
            raise NotFound(f"No party with id {party_id}.")
        actor.ensure_sees(party.territory_path, party.name)
        node = geo_q.node_by_id(session, party.territory_id)
        supplier = parties_q.party_by_id(session, party.parent_distributor_id) if party.parent_distributor_id else None
        assert node is not None
        return PartyRow.of(party, node, supplier)


def list_parties(
    actor: Actor, *, kind: PartyKind | str | None = None, search: str | None = None,
    include_inactive: bool = False, limit: int = 500, offset: int = 0,
) -> list[PartyRow]:
    """Parties inside the actor's area, by name; page with `limit`/`offset`."""
    actor.require("masterdata.view")
    wanted = PartyKind(kind) if kind is not None else None
    with reading() as session:
        rows = parties_q.listing(session, actor, kind=wanted, search=search, include_inactive=include_inactive,
                                 limit=min(limit, 5000), offset=max(offset, 0))
        return [PartyRow.of(party, node, supplier) for party, node, supplier in rows]


def party_choices(
    actor: Actor, *, kind: PartyKind | str | None = None, search: str | None = None, limit: int = 50,
) -> list[PartyChoice]:
    """Active parties inside the actor's area whose name or code holds `search`, for a form's picker."""
    actor.require("masterdata.view")
    wanted = PartyKind(kind) if kind is not None else None
    with reading() as session:
        found = parties_q.choices(session, actor, kind=wanted, search=search, limit=min(limit, 50))
        return [PartyChoice(id=p.id or 0, code=p.code, name=p.name, kind=p.kind) for p in found]


PARTY_COLUMNS = [
    Column("code", "Code", "text", filter="text"),
    Column("name", "Name", "text", filter="text"),
    Column("kind", "Kind", "choice", filter="choice", choices=[k.value for k in PartyKind]),
    Column("territory", "Territory", "text", filter="text"),
    Column("region", "Region", "text", filter="text"),
    Column("distributor", "Supplying distributor", "text", filter="text"),
    Column("credit_limit", "Credit limit", "money", summable=True),
    Column("payment_terms_days", "Payment terms (days)", "int"),
    Column("is_active", "Active", "bool", filter="choice"),
    Column("phone", "Phone", "text"),  # contact details last: the figures stay in view on narrower screens
    Column("email", "Email", "text"),
]


def parties_table(actor: Actor) -> TableSource:
    """Factories, distributors and retailers as a filterable, exportable list (by name). Needs masterdata.view;
    a scoped actor sees only the parties placed inside their area."""
    actor.require("masterdata.view")
    return TableSource(
        name="parties", title="Customers & sites", columns=PARTY_COLUMNS, build=parties_q.table_select,
        permission="masterdata.view", row_key="id", default_sort="name",
    )
