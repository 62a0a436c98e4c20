"""Appending millions of rows fast, for the `large` demo scale: PostgreSQL `COPY`, SQLite `executemany` in large
transactions. Rows carry storage values: integers for fixed-point columns, enum values as strings, explicit ids;
dates and timestamps come from `day()` and `stamp()`, which give each database the form its driver stores.

Not for business writes: nothing here checks a rule, locks a row or writes an audit row. The caller owns what it
writes (domain.demo.large keeps the ledger, the batches and the rollups consistent itself).
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores a DateTime on SQLite (naive UTC)


class BulkWriter:
    """Buffers rows per table and appends them `chunk` at a time, each chunk committed on its own (a failed load
    leaves a partial database: load into a new one)."""

    def __init__(self, engine: Engine, *, chunk: int = 50_000) -> None:
        self.engine, self.chunk = engine, chunk
        self.postgres = engine.dialect.name == "postgresql"
        self._columns: dict[str, Sequence[str]] = {}
        self._rows: dict[str, list[tuple[Any, ...]]] = {}
        self.written: dict[str, int] = {}
        self._days: dict[date, Any] = {}
        self._deferred: list[sa.Index] = []
        self._foreign_keys: list[sa.ForeignKeyConstraint] = []
        self._checked: list[str] = []
        self._raw = engine.raw_connection()
        if not self.postgres:
            cursor = self._raw.cursor()
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")  # 1 GB of page cache for the indexes being filled
            cursor.close()

    # ---- values ----------------------------------------------------------------------------------------------------

    def day(self, value: date) -> Any:
        """A DATE column's value."""
        found = self._days.get(value)
        if found is None:
            found = self._days[value] = value if self.postgres else value.isoformat()
        return found

    def stamp(self, value: datetime) -> Any:
        """A UTC timestamp column's value (`value` must be aware)."""
        moment = value.astimezone(UTC)
        return moment if self.postgres else moment.replace(tzinfo=None).strftime(SQLITE_STAMP)

    # ---- rows ------------------------------------------------------------------------------------------------------

    def defer_checks(self, names: Iterable[str]) -> None:
        """Until `close()`: drop the tables' non-unique indexes (built again at the end, faster than row by row) and
        stop checking their foreign keys row by row (PostgreSQL: the constraints are dropped and added back, which
        checks every row at once; SQLite: checked by `PRAGMA foreign_key_check`)."""
        tables = [SQLModel.metadata.tables[name] for name in names]
        self._checked = [table.name for table in tables]
        with self.engine.begin() as conn:
            for table in tables:
                for index in table.indexes:
                    if not index.unique:
                        index.drop(conn, checkfirst=True)
                        self._deferred.append(index)
                if self.postgres:
                    for fk in table.foreign_key_constraints:
                        conn.execute(sa.schema.DropConstraint(fk))
                        self._foreign_keys.append(fk)
        if not self.postgres:
            cursor = self._raw.cursor()
            cursor.execute("PRAGMA foreign_keys=OFF")
            cursor.close()

    def _restore_checks(self) -> None:
        with self.engine.begin() as conn:
            for index in self._deferred:
                index.create(conn, checkfirst=True)
            for fk in self._foreign_keys:
                conn.execute(sa.schema.AddConstraint(fk))
        if not self.postgres:
            cursor = self._raw.cursor()
            broken = [row for name in self._checked for row in cursor.execute(f'PRAGMA foreign_key_check("{name}")')]
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
            if broken:
                raise AssertionError(f"bulk load broke {len(broken)} foreign keys, e.g. {broken[:3]}")

    def table(self, name: str, columns: Sequence[str]) -> None:
        self._columns[name] = tuple(columns)
        self._rows[name] = []
        self.written.setdefault(name, 0)

    def add(self, name: str, row: tuple[Any, ...]) -> None:
        rows = self._rows[name]
        rows.append(row)
        if len(rows) >= self.chunk:
            self.flush()

    def add_many(self, name: str, rows: Iterable[tuple[Any, ...]]) -> None:
        for row in rows:
            self.add(name, row)

    def flush(self) -> None:
        """Write every table's buffer, in the order the tables were declared (parents first: a row is added after
        the rows it refers to, so each flush satisfies the foreign keys)."""
        for name in self._rows:
            self._flush(name)

    def _flush(self, name: str) -> None:
        rows = self._rows[name]
        if not rows:
            return
        columns = self._columns[name]
        cursor = self._raw.cursor()
        try:
            if self.postgres:
                with cursor.copy(f'COPY "{name}" ({", ".join(columns)}) FROM STDIN') as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.execute("BEGIN")
                cursor.executemany(f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES '
                                   f'({", ".join("?" * len(columns))})', rows)
            self._raw.commit()
        except BaseException:
            self._raw.rollback()
            raise
        finally:
            cursor.close()
        self.written[name] += len(rows)
        self._rows[name] = []

    def close(self) -> None:
        """Write what is buffered, bring PostgreSQL's id sequences past the ids written, and release the
        connection."""
        try:
            self.flush()
            self._raw.commit()
            self._restore_checks()
            if self.postgres:
                cursor = self._raw.cursor()
                for name in self.written:
                    if "id" in SQLModel.metadata.tables[name].c:
                        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                       f"(SELECT COALESCE(MAX(id), 0) + 1 FROM \"{name}\"), false)")
                cursor.execute("ANALYZE")
                cursor.close()
                self._raw.commit()
            else:
                cursor = self._raw.cursor()
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("ANALYZE")
                cursor.close()
                self._raw.commit()
        finally:
            self._raw.close()


def next_ids(engine: Engine, tables: Iterable[str]) -> dict[str, int]:
    """The first free id of each table (1 for an empty one)."""
    with engine.connect() as conn:
        return {name: int(conn.execute(sa.text(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{name}"')).scalar_one())
                for name in tables}


def set_sequences(engine: Engine, last_numbers: dict[str, int]) -> None:
    """Record the last document number used per prefix (so the services carry on after the bulk load)."""
    with engine.begin() as conn:
        for prefix, number in last_numbers.items():
            conn.execute(sa.text("DELETE FROM document_sequence WHERE prefix = :p"), {"p": prefix})
            conn.execute(sa.text("INSERT INTO document_sequence (prefix, last_number) VALUES (:p, :n)"),
                         {"p": prefix, "n": number})
