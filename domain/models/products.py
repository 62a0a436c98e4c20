import enum
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import Money, Quantity, enum_type


class ProductKind(enum.StrEnum):
    FINISHED = "finished"
    RAW_MATERIAL = "raw_material"
    PACKAGING = "packaging"

    @property
    def label(self) -> str:
        return {"finished": "Finished good", "raw_material": "Raw material", "packaging": "Packaging"}[self.value]


class Product(Timestamped, table=True):
    """A finished good, raw material or packaging item; prices per tier, unit cost, shelf life, reorder level.

    `sku` is stored upper-case, so the unique constraint is also case-insensitive.
    """

    __tablename__ = "product"

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=40, unique=True, nullable=False)
    name: str = Field(max_length=120, nullable=False)
    kind: ProductKind = Field(sa_type=enum_type(ProductKind), nullable=False, index=True)
    category: str = Field(max_length=60, nullable=False, index=True)
    unit: str = Field(max_length=20, nullable=False)
    price_distributor: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)  # factory→distributor
    price_retailer: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)  # distributor→retailer
    price_retail: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)  # retailer→consumer
    standard_cost: Decimal = Field(default=Decimal("0"), sa_type=Money(), nullable=False)  # per unit
    shelf_life_days: int | None = Field(default=None)  # None: not perishable
    reorder_level: Decimal = Field(default=Decimal("0"), sa_type=Quantity(), nullable=False)
    is_active: bool = Field(default=True, nullable=False)


class RecipeLine(Timestamped, table=True):
    """One line of a finished good's bill of materials: so much of a material per unit produced."""

    __tablename__ = "recipe_line"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", nullable=False)  # indexed by the unique constraint
    material_id: int = Field(foreign_key="product.id", nullable=False, index=True)
    qty_per_unit: Decimal = Field(sa_type=Quantity(), nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("product_id", "material_id"),
        sa.CheckConstraint("qty_per_unit > 0", name="qty_positive"),
        sa.CheckConstraint("product_id <> material_id", name="not_own_material"),
    )
