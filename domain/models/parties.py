"""Factories, distributors and retailers.

Every party can hold stock, so every party is a stock location: a factory holds what it produces and the
materials it consumes, a distributor what it bought from a factory, a retailer what it bought from its
distributor. Stock tables refer to `party.id` as the location.
"""

import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import Money, enum_type


class PartyKind(enum.StrEnum):
    FACTORY = "factory"
    DISTRIBUTOR = "distributor"
    RETAILER = "retailer"


class Party(Timestamped, table=True):
    """A factory, distributor or retailer, placed on a geography node.

    `territory_path` copies the node's path so scope filtering is one prefix match on this table; the
    geography service rewrites it in the same transaction whenever the node (or an ancestor) moves.
    Retailers buy from one supplying distributor (`parent_distributor_id`); other kinds have none.
    """

    __tablename__ = "party"

    id: int | None = Field(default=None, primary_key=True)
    kind: PartyKind = Field(sa_type=enum_type(PartyKind), nullable=False, index=True)
    code: str = Field(max_length=20, unique=True, nullable=False)
    name: str = Field(max_length=120, nullable=False)
    territory_id: int = Field(foreign_key="geo_node.id", nullable=False, index=True)
    territory_path: str = Field(max_length=255, nullable=False, index=True)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=200)
    credit_limit: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)
    payment_terms_days: int = Field(default=0, nullable=False)
    parent_distributor_id: int | None = Field(default=None, foreign_key="party.id", index=True)
    is_active: bool = Field(default=True, nullable=False)

    __table_args__ = (
        sa.CheckConstraint("credit_limit >= 0", name="credit_limit_not_negative"),
        sa.CheckConstraint("payment_terms_days BETWEEN 0 AND 365", name="payment_terms_range"),
    )
