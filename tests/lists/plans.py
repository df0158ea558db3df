"""Reading query plans on SQLite and PostgreSQL, and the rules a list's plan must keep.

``sqlite_problems`` and ``pg_problems`` return what is wrong with a plan (empty: fine):

- a sort of the matches to produce the order (SQLite "USE TEMP B-TREE FOR [RIGHT PART OF] ORDER
  BY", PostgreSQL a ``Sort`` or ``Incremental Sort`` node), which makes every page cost the whole filter;
- on a filtered list, a read of the whole table or of a whole index instead of a range (SQLite
  "SCAN <table>", with or without "USING INDEX"; PostgreSQL ``Seq Scan``, or an index scan without
  an ``Index Cond``), which costs the whole table when the matches are rare.

The unfiltered list, and filters that cannot be a range (a search in the middle of names, a
payment method held in another table), are declared "walks" by the tests: they may walk the
list's order index and keep the matches, since that stops after the page's rows; never sort.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session


def sql_of(session: Session, stmt: Select[Any]) -> str:
    """The statement with its values inline, as the database would plan it for these values."""
    return str(stmt.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))


def sqlite_plan(session: Session, stmt: Select[Any]) -> list[str]:
    rows = session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + sql_of(session, stmt)).all()
    return [str(row[3]) for row in rows]


def sqlite_problems(details: list[str], *, filtered: bool = True) -> list[str]:
    found = []
    for detail in details:
        # FOR ORDER BY, or FOR RIGHT PART / LAST TERM OF ORDER BY (a sort within each key value).
        if re.match(r"USE TEMP B-TREE FOR .*ORDER BY", detail):
            found.append(f"sorts all matches: {detail}")
        if filtered and re.match(r"SCAN \w+", detail):
            found.append(f"reads the whole table or index: {detail}")
    return found


def pg_plan(session: Session, stmt: Select[Any]) -> dict[str, Any]:
    raw = session.connection().exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql_of(session, stmt)).scalar_one()
    plan = raw if isinstance(raw, list) else json.loads(raw)
    return plan[0]["Plan"]  # type: ignore[no-any-return]


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    out = [node]
    for child in node.get("Plans", []):
        out.extend(_nodes(child))
    return out


def pg_problems(plan: dict[str, Any], *, filtered: bool = True) -> list[str]:
    found = []
    for node in _nodes(plan):
        kind = node["Node Type"]
        if kind in {"Sort", "Incremental Sort"}:
            found.append(f"sorts all matches: {kind} on {node.get('Sort Key')}")
        if filtered and kind == "Seq Scan":
            found.append(f"reads the whole table: Seq Scan on {node.get('Relation Name')}")
        if filtered and kind in {"Index Scan", "Index Only Scan"} and "Index Cond" not in node:
            found.append(f"walks the whole index {node.get('Index Name')} on {node.get('Relation Name')}")
    return found


def problems(session: Session, stmt: Select[Any], *, filtered: bool = True) -> tuple[list[str], object]:
    """What is wrong with the statement's plan on the session's database, and the plan itself."""
    if session.get_bind().dialect.name == "sqlite":
        details = sqlite_plan(session, stmt)
        return sqlite_problems(details, filtered=filtered), details
    plan = pg_plan(session, stmt)
    return pg_problems(plan, filtered=filtered), plan
