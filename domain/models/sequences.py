from sqlmodel import Field, SQLModel

import domain.models.base  # noqa: F401  (naming convention before any table)


class DocumentSequence(SQLModel, table=True):
    """The last number used per document prefix (PL, TR, ADJ, SC, PO, SO, TO, INV …)."""

    __tablename__ = "document_sequence"

    prefix: str = Field(primary_key=True, max_length=10)
    last_number: int = Field(default=0, nullable=False)
