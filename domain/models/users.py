from datetime import datetime

from sqlmodel import Field

from domain.models.base import Timestamped
from domain.types import UTCDateTime


class Permission(Timestamped, table=True):
    code: str = Field(primary_key=True, max_length=60)
    description: str = Field(max_length=200, nullable=False)


class Role(Timestamped, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, nullable=False)
    name: str = Field(max_length=80, nullable=False)


class RolePermission(Timestamped, table=True):
    __tablename__ = "role_permission"

    role_id: int = Field(foreign_key="role.id", primary_key=True, ondelete="CASCADE")
    permission_code: str = Field(foreign_key="permission.code", primary_key=True, ondelete="CASCADE")


class User(Timestamped, table=True):
    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=60, unique=True, nullable=False)
    employee_id: str | None = Field(default=None, max_length=30, unique=True)
    full_name: str = Field(max_length=120, nullable=False)
    email: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    role_id: int = Field(foreign_key="role.id", nullable=False, index=True)
    scope_id: int | None = Field(default=None, foreign_key="geo_node.id", index=True)
    is_active: bool = Field(default=True, nullable=False)
    password_hash: str = Field(max_length=255, nullable=False)
    must_change_password: bool = Field(default=False, nullable=False)
    failed_logins: int = Field(default=0, nullable=False)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_login_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
