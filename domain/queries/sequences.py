"""Document numbers: one row per prefix, bumped by an UPDATE … RETURNING that serialises concurrent callers."""

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from domain.models.sequences import DocumentSequence


def next_number(session: Session, prefix: str, *, width: int = 6) -> str:
    """The next document number for `prefix`, e.g. "PL-000042". Gap-free within committed transactions."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(DocumentSequence).values(prefix=prefix, last_number=0)
                    .on_conflict_do_nothing(index_elements=["prefix"]))
    number = session.execute(
        update(DocumentSequence).where(DocumentSequence.prefix == prefix)
        .values(last_number=DocumentSequence.last_number + 1).returning(DocumentSequence.last_number)
    ).scalar_one()
    return f"{prefix}-{number:0{width}d}"
