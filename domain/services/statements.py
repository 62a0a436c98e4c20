"""Downloading a customer statement as PDF or XLSX.

The statement is `receivables.customer_statement` (finance.view, the customer inside the actor's area, the period
checked); the file is laid out by `domain.exports.statement`. Like a table export it needs exports.run, and every
download is audited as a user action (`statement.download`: who, which customer, which period, format, figures).
"""

from dataclasses import dataclass
from datetime import date
from typing import Literal

from domain.access import Actor
from domain.db import transaction
from domain.errors import ValidationFailed
from domain.exports.statement import Prepared, statement_pdf, statement_xlsx
from domain.jsonsafe import json_safe
from domain.models import AuditKind
from domain.services.receivables import Statement, customer_statement
from domain.types import utcnow

StatementFormat = Literal["pdf", "xlsx"]
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class StatementFile:
    statement: Statement
    fmt: StatementFormat
    content: bytes
    filename: str  # "statement-DST0001-2026-11-01-2026-11-21.pdf"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


def statement_filename(statement: Statement, fmt: str) -> str:
    who = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in (statement.code or str(statement.customer_id)))
    return f"statement-{who}-{statement.date_from.isoformat()}-{statement.date_to.isoformat()}.{fmt}"


def statement_file(
    actor: Actor, *, customer_id: int, date_from: date | str, date_to: date | str, fmt: StatementFormat | str,
) -> StatementFile:
    """The customer's statement for the period as a PDF or XLSX file, audited as statement.download."""
    actor.require("exports.run")
    if fmt not in MEDIA_TYPES:
        raise ValidationFailed.field("Format", "choose PDF or XLSX")
    statement = customer_statement(actor, customer_id=customer_id, date_from=date_from, date_to=date_to)
    prepared = Prepared(by=actor.full_name, at=utcnow())
    content = statement_pdf(statement, prepared) if fmt == "pdf" else statement_xlsx(statement, prepared)
    with transaction(actor) as tx:
        tx.audit("statement.download", entity="party", entity_id=statement.customer_id, kind=AuditKind.USER,
                 scope_path=actor.scope_path,
                 after=json_safe({"customer": statement.customer, "code": statement.code, "format": fmt,
                                  "date_from": statement.date_from, "date_to": statement.date_to,
                                  "lines": len(statement.lines), "opening_balance": statement.opening_balance,
                                  "closing_balance": statement.closing_balance, "bytes": len(content)}))
    return StatementFile(statement, fmt, content, statement_filename(statement, fmt))  # type: ignore[arg-type]
