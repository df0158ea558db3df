"""kit.pagination's keyset pages on their own: walking the cursors gives every row once, in the
offset order, with NULL keys first and ties broken by id; cursors are checked on the way in."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import Date, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from facturo.kit.errors import ValidationFailed
from facturo.kit.pagination import KeyRange, Keyset, KeysetParams, keyset_page


class _Base(DeclarativeBase):
    pass


class _Doc(_Base):
    __tablename__ = "keyset_test_doc"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date | None] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(20))


BY_DAY = Keyset(name="doc", key=_Doc.day, id=_Doc.id, key_type=date, attribute="day", nullable=True)
BY_NAME = Keyset(name="nam", key=_Doc.name, id=_Doc.id, key_type=str, attribute="name", ascending=True)


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite+pysqlite:///:memory:")
    _Base.metadata.create_all(engine)
    with Session(engine) as s:
        # 8 without a day, the rest on 9 days with many ties.
        s.add_all(
            _Doc(id=i, day=None if i % 10 == 3 else date(2026, 1, 1 + i % 10), name=f"n{i % 13:02d}")
            for i in range(1, 74)
        )
        s.commit()
        yield s


def _walk(session: Session, keyset: Keyset, limit: int) -> tuple[list[int], list[int]]:
    ids, sizes, cursor = [], [], None
    while True:
        page = keyset_page(session, select(_Doc), keyset, KeysetParams(limit=limit, cursor=cursor))
        ids += [d.id for d in page.items]
        sizes.append(len(page.items))
        cursor = page.next_cursor
        if cursor is None:
            return ids, sizes


@pytest.mark.parametrize("limit", [1, 4, 7, 10, 73, 500])
def test_walking_the_cursors_gives_the_offset_order(session: Session, limit: int) -> None:
    for keyset in (BY_DAY, BY_NAME):
        expected = list(session.scalars(select(_Doc.id).order_by(*keyset.offset_order())))
        ids, sizes = _walk(session, keyset, limit)
        assert ids == expected
        assert sum(sizes) == 73 and all(s == limit for s in sizes[:-1])


def test_nulls_come_first_then_newest(session: Session) -> None:
    ids, _ = _walk(session, BY_DAY, 5)
    assert ids[:8] == [73, 63, 53, 43, 33, 23, 13, 3]  # no day: by id, newest first
    assert ids[8:11] == [69, 59, 49]  # then the newest day (2026-01-10), ties by id


def test_the_count_comes_with_the_first_page_or_when_asked(session: Session) -> None:
    first = keyset_page(session, select(_Doc), BY_DAY, KeysetParams(limit=10))
    assert (first.total, first.page) == (73, 1)
    second = keyset_page(session, select(_Doc), BY_DAY, KeysetParams(limit=10, cursor=first.next_cursor))
    assert (second.total, second.page) == (None, None)
    asked = keyset_page(
        session, select(_Doc), BY_DAY, KeysetParams(limit=10, cursor=first.next_cursor, with_total=True)
    )
    assert asked.total == 73
    offset = keyset_page(session, select(_Doc), BY_DAY, KeysetParams(limit=10, offset_page=2))
    assert [d.id for d in offset.items] == [d.id for d in second.items] and offset.page == 2


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    ["", "%%%", "x" * 600, _b64("not json"), _b64("[]"), _b64('["doc","2026-01-01"]'), _b64('["nam","2026-01-01",1]'),
     _b64('["doc","2026-02-30",1]'), _b64('["doc","2026-01-01",0]'), _b64('["doc","2026-01-01",true]'),
     _b64('["doc",20260101,1]'), _b64('["nam",null,1]'), _b64('["doc","2026-01-01",1.5]')],
)  # fmt: skip
def test_a_bad_cursor_is_a_validation_error(session: Session, cursor: str) -> None:
    # Each is refused by the day list ('["nam",…]' is the name list's; the name key is never null).
    keyset = BY_NAME if cursor == _b64('["nam",null,1]') else BY_DAY
    with pytest.raises(ValidationFailed) as caught:
        keyset_page(session, select(_Doc), keyset, KeysetParams(cursor=cursor))
    assert [p.rule for p in caught.value.problems] == ["cursor.invalid"]


def test_params_refuse_what_cannot_be_served() -> None:
    for bad in ({"limit": 0}, {"limit": 501}, {"offset_page": 0}, {"offset_page": 2, "cursor": "x"}):
        with pytest.raises(ValueError, match=r"limit|page"):
            KeysetParams(**bad)  # type: ignore[arg-type]


def test_a_range_on_the_key_gives_the_same_rows_and_yields_to_the_cursor(session: Session) -> None:
    window = KeyRange(date(2026, 1, 3), date(2026, 1, 8))
    ids, cursor = [], None
    while True:
        params = KeysetParams(limit=4, cursor=cursor)
        page = keyset_page(session, select(_Doc), BY_DAY, params, window)
        ids += [d.id for d in page.items]
        if (cursor := page.next_cursor) is None:
            break
    in_window = select(_Doc.id).where(_Doc.day >= window.lower, _Doc.day <= window.upper)
    assert ids == list(session.scalars(in_window.order_by(*BY_DAY.offset_order())))
    # Past a cursor inside the window the cursor is the upper bound: SQLite would otherwise start
    # the index range at ``to`` and walk down to the cursor on every page.
    assert len(window.where(BY_DAY, (date(2026, 1, 5), 40))) == 1
    assert len(window.where(BY_DAY, (date(2026, 1, 9), 40))) == 2  # a cursor beyond it keeps both
    assert len(window.where(BY_DAY, None)) == 2
