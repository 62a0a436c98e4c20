"""Creating users: the input model shared with editing, role and scope checks, the audit row."""

import re

from pydantic import BaseModel, EmailStr, Field, field_validator
from sqlalchemy.exc import IntegrityError

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


_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,28}$")


def _blank_to_none(value: object) -> object:
    return (value.strip() or None) if isinstance(value, str) else value


class UserDetails(BaseModel):
    """A person's details and access, as created or edited by an administrator."""

    full_name: str = Field(min_length=1, max_length=120)
    email: EmailStr | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    employee_id: str | None = Field(default=None, max_length=30)
    role: str = Field(min_length=1, max_length=40)
    scope_code: str | None = Field(default=None, max_length=20)

    @field_validator("full_name", "role", mode="before")
    @classmethod
    def _strip(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("email", "phone", "employee_id", "scope_code", mode="before")
    @classmethod
    def _optional(cls, value: object) -> object:
        return _blank_to_none(value)

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is not None and not _PHONE.match(value):
            raise ValueError("must be a phone number such as +254 712 345 678")
        return value


class NewUser(UserDetails):
    username: str = Field(min_length=3, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")
    password: str
    must_change_password: bool = False

    @field_validator("username", mode="before")
    @classmethod
    def _strip_username(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


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
        else:
            actor.ensure_sees(None, "A company-wide user")
        if data.employee_id and users_q.user_by_employee_id(session, data.employee_id):
            raise ValidationFailed.field("Employee ID", f"{data.employee_id} is already in use")
        user = User(
            username=data.username, full_name=data.full_name, role_id=role.id,
            scope_id=scope.id if scope else None, email=data.email, phone=data.phone,
            employee_id=data.employee_id, password_hash=password_hash,
            must_change_password=data.must_change_password,
        )
        session.add(user)
        try:
            session.flush()
        except IntegrityError:  # a username or employee ID taken by a concurrent request
            raise Conflict(f"{data.username} or employee ID {data.employee_id} was taken meanwhile.") from None
        tx.audit("user.create", user, scope_path=scope.path if scope else None)
        tx.emit(DomainEvent("user.created", scope_path=scope.path if scope else None,
                            data={"username": user.username}))
    return user
