"""Engine, sessions and the unit of work.

The adapter (API request, CLI command, job) owns the transaction: it opens a ``unit_of_work``,
services only ``flush``, and the unit commits on success or rolls back on error.

SQLite needs two things to be a safe multi-writer store:
* WAL journal and a busy timeout, so readers never block and writers queue instead of failing;
* ``BEGIN IMMEDIATE`` for write units, taking the write lock up front. A deferred transaction that
  reads and then writes can lose the race with another writer and fail instantly (SQLITE_BUSY
  with a stale snapshot, which no timeout retries). pysqlite's own transaction handling is turned
  off so that we emit the BEGIN ourselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import Engine, MetaData, Table, create_engine, event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

POOL_SIZE = 16  # the default of FACTURO_DB_POOL_SIZE (kit.config.Settings.db_pool_size)
SQLITE_CACHE_KB = 1024
WRITE = "IMMEDIATE"
READ = "DEFERRED"
_BEGIN_OPTION = "facturo_sqlite_begin"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, see module docstring
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 1 MB of page cache per connection (SQLite's default is 2 MB): a pool of 16 per process would
        # otherwise hold 32 MB of pages the operating system's file cache already keeps once.
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, WRITE)
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(
    url: str, *, echo: bool = False, pool_size: int = POOL_SIZE, statement_timeout_ms: int | None = None
) -> Engine:
    """The engine of one process. ``pool_size``: its fixed number of connections (``FACTURO_DB_POOL_SIZE``).
    ``statement_timeout_ms``: on PostgreSQL, every statement on these connections is cancelled past
    that many milliseconds (the web process sets ``FACTURO_STATEMENT_TIMEOUT_MS``; the command line
    and jobs pass nothing: no limit). SQLite has no statement timeout; the option is ignored there."""
    kwargs: dict[str, Any] = {"echo": echo}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if ":memory:" in url or url in {"sqlite://", "sqlite:///"}:
            kwargs["poolclass"] = StaticPool
            return _finish(create_engine(url, **kwargs))
    else:
        kwargs["pool_pre_ping"] = True
        if statement_timeout_ms:
            # A connection-level default (no extra round trip per request): libpq's startup options.
            kwargs["connect_args"] = {"options": f"-c statement_timeout={int(statement_timeout_ms)}"}
    # A fixed pool (no overflow connections that are opened and closed again under load: each
    # SQLite connect reruns its PRAGMAs). The API admits at most this many units of work at once.
    kwargs["pool_size"] = pool_size
    kwargs["max_overflow"] = 0
    return _finish(create_engine(url, **kwargs))


def _finish(engine: Engine) -> Engine:
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


class Database:
    """One engine and the two flavours of unit of work built on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read_engine = engine.execution_options(**{_BEGIN_OPTION: READ})
        self._write = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self._read = sessionmaker(bind=self._read_engine, expire_on_commit=False, autoflush=True)

    @classmethod
    def from_url(
        cls, url: str, *, echo: bool = False, pool_size: int = POOL_SIZE, statement_timeout_ms: int | None = None
    ) -> Database:
        return cls(make_engine(url, echo=echo, pool_size=pool_size, statement_timeout_ms=statement_timeout_ms))

    @property
    def max_connections(self) -> int:
        """How many units of work can hold a connection at once."""
        pool = self.engine.pool
        size = getattr(pool, "size", None)
        return int(size()) if callable(size) else 1

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def session(self, *, write: bool = True) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """Commit on success, roll back on any error. Read units never commit anything."""
        session = self.session(write=write)
        try:
            yield session
            if write:
                session.commit()
            else:
                session.rollback()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model, for the few hot paths that skip the ORM."""
    return cast(Table, model.__table__)


def insert_new(session: Session, table: Table, rows: list[dict[str, Any]], unique: list[str]) -> None:
    """Insert ``rows``, skipping those whose ``unique`` columns a row already holds, including one a
    concurrent transaction has just committed (``INSERT ... ON CONFLICT DO NOTHING``): two workers
    meeting the same new key both go on, and the one row stands."""
    if not rows:
        return
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(table).on_conflict_do_nothing(index_elements=unique), rows)


class Units(Protocol):
    """Where a service that needs more than one transaction gets them (a bulk import checks in a read
    unit and writes in a short write unit): a ``Database``, or ``InSession`` for a caller that
    already holds its unit of work."""

    def unit_of_work(self, *, write: bool = True) -> AbstractContextManager[Session]: ...


class InSession:
    """Units of work that are all the caller's own session: nothing is committed here, the caller's
    unit of work decides (tests, and callers that already hold the write lock anyway)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        yield self.session


def units_of(target: Session | Units) -> Units:
    return InSession(target) if isinstance(target, Session) else target


_OWN_UNITS = "__facturo_own_units__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def own_units(endpoint: Endpoint) -> Endpoint:
    """Marks an adapter whose single service call opens its own units of work from the database (a
    bulk import: checked in a read unit, written in a short write unit). The request's own session
    is then a read unit, released before the handler runs, so the request never holds the write
    lock while a file is read."""
    setattr(endpoint, _OWN_UNITS, True)
    return endpoint


def uses_own_units(endpoint: Callable[..., Any]) -> bool:
    return bool(getattr(endpoint, _OWN_UNITS, False))
