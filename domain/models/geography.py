import enum

from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import enum_type


class GeoLevel(enum.StrEnum):
    ZONE = "zone"
    STATE = "state"
    REGION = "region"
    AREA = "area"
    TERRITORY = "territory"

    @property
    def depth(self) -> int:
        return list(GeoLevel).index(self)

    @property
    def child(self) -> "GeoLevel | None":
        order = list(GeoLevel)
        return order[self.depth + 1] if self.depth + 1 < len(order) else None


class GeoNode(Timestamped, table=True):
    """One place in zone > state > region > area > territory; `path` ("/1/4/19/") makes subtrees one prefix match."""

    __tablename__ = "geo_node"

    id: int | None = Field(default=None, primary_key=True)
    level: GeoLevel = Field(sa_type=enum_type(GeoLevel), nullable=False)
    code: str = Field(max_length=20, unique=True, nullable=False)
    name: str = Field(max_length=120, nullable=False)
    parent_id: int | None = Field(default=None, foreign_key="geo_node.id", index=True)
    path: str = Field(default="", max_length=255, index=True, nullable=False)
    is_active: bool = Field(default=True, nullable=False)
