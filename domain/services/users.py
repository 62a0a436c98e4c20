"""Creating users (admin pages come with master data; the CLI and demo use this now)."""

from pydantic import BaseModel, EmailStr, Field, field_validator

from domain import passwords
from domain.access import Actor
from domain.db import transaction
from domain.errors import Conflict, ValidationFailed
from domain.events import DomainEvent
from domain.models import User
from domain.queries import users as users_q
from domain.services.access import ensure_can_grant
from domain.validation import parse

_FIELD_LABELS = {
    "username": "Username", "full_name": "Full name", "role": "Role", "password": "Password",
    "scope_code": "Scope", "email": "Email", "phone": "Phone", "employee_id": "Employee ID",
}


class NewUser(BaseModel):
    username: str = Field(min_length=3, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")
    full_name: str = Field(min_length=1, max_length=120)
    role: str
    password: str
    scope_code: str | None = None
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=30)
    employee_id: str | None = Field(default=None, max_length=30)
    must_change_password: bool = False

    @field_validator("username", "full_name", "scope_code", "phone", "employee_id", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        if isinstance(value, str):
            return value.strip() or None
        return value


def create_user(actor: Actor, **fields: object) -> User:
    """Create a user with a role and optional geographic scope (a GeoNode code); audited."""
    actor.require("users.manage")
    data = parse(NewUser, fields, _FIELD_LABELS)
    problem = passwords.password_problem(data.password, username=data.username)
    if problem:
        raise ValidationFailed.field("Password", problem)
    password_hash = passwords.hash_password(data.password)
    with transaction(actor) as tx:
        session = tx.session
        if users_q.user_by_username(session, data.username):
            raise Conflict(f"A user named {data.username} already exists.")
        role = users_q.role_by_code(session, data.role)
        if role is None or role.id is None:
            raise ValidationFailed.field("Role", f"unknown role {data.role!r}")
        ensure_can_grant(session, actor, role)
        scope = None
        if data.scope_code:
            scope = users_q.geo_by_code(session, data.scope_code)
            if scope is None:
                raise ValidationFailed.field("Scope", f"no geography with code {data.scope_code!r}")
            actor.ensure_sees(scope.path, f"{scope.name}")
        user = User(
            username=data.username, full_name=data.full_name, role_id=role.id,
            scope_id=scope.id if scope else None, email=data.email, phone=data.phone,
            employee_id=data.employee_id, password_hash=password_hash,
            must_change_password=data.must_change_password,
        )
        session.add(user)
        tx.audit("user.create", user, scope_path=scope.path if scope else None)
        tx.emit(DomainEvent("user.created", scope_path=scope.path if scope else None,
                            data={"username": user.username}))
    return user
