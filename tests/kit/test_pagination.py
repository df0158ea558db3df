from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from facturo.kit.pagination import Page, PageParams, paginate


class _Base(DeclarativeBase):
    pass


class _Widget(_Base):
    __tablename__ = "pagination_test_widget"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(20))
    colour: Mapped[str] = mapped_column(String(10))


@pytest.fixture
def session() -> Iterator[Session]:
    engine = create_engine("sqlite+pysqlite:///:memory:")
    _Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add_all(_Widget(id=i, name=f"w{i:03d}", colour="red" if i % 3 == 0 else "blue") for i in range(1, 124))
        s.commit()
        yield s
    engine.dispose()


def test_defaults() -> None:
    params = PageParams()
    assert (params.page, params.size, params.offset) == (1, 50, 0)
    assert PageParams(page=3, size=20).offset == 40


@pytest.mark.parametrize(
    ("page", "size", "message"),
    [
        (0, 50, "page must be 1 or greater, got 0"),
        (-1, 50, "page must be 1 or greater"),
        (1, 0, "size must be between 1 and 500, got 0"),
        (1, 501, "size must be between 1 and 500, got 501"),
    ],
)
def test_invalid_params(page: int, size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PageParams(page=page, size=size)


def test_params_are_frozen() -> None:
    params = PageParams()
    with pytest.raises(AttributeError):
        params.page = 2  # type: ignore[misc]


@pytest.mark.parametrize(("total", "size", "pages"), [(0, 50, 0), (1, 50, 1), (50, 50, 1), (51, 50, 2), (123, 10, 13)])
def test_pages(total: int, size: int, pages: int) -> None:
    assert Page(items=[], total=total, page=1, size=size).pages == pages


def test_map_keeps_counts() -> None:
    page = Page(items=[1, 2, 3], total=30, page=2, size=3)
    mapped = page.map(lambda n: f"#{n}")
    assert mapped == Page(items=["#1", "#2", "#3"], total=30, page=2, size=3)


def test_paginate_first_middle_last_and_beyond(session: Session) -> None:
    stmt = select(_Widget).order_by(_Widget.id)

    first = paginate(session, stmt, PageParams(page=1, size=50))
    assert [w.id for w in first.items] == list(range(1, 51))
    assert (first.total, first.pages) == (123, 3)

    last = paginate(session, stmt, PageParams(page=3, size=50))
    assert [w.id for w in last.items] == list(range(101, 124))

    beyond = paginate(session, stmt, PageParams(page=9, size=50))
    assert beyond.items == []
    assert beyond.total == 123


def test_paginate_respects_filter_and_order(session: Session) -> None:
    stmt = select(_Widget).where(_Widget.colour == "red").order_by(_Widget.id.desc())
    page = paginate(session, stmt, PageParams(page=2, size=10))
    assert page.total == 41
    assert page.pages == 5
    assert [w.id for w in page.items] == [93 - 3 * i for i in range(10)]


def test_paginate_single_column(session: Session) -> None:
    stmt = select(_Widget.name).where(_Widget.id <= 5).order_by(_Widget.name)
    page = paginate(session, stmt, PageParams(size=2))
    assert page.items == ["w001", "w002"]
    assert page.total == 5
    assert page.map(str.upper).items == ["W001", "W002"]


def test_paginate_empty(session: Session) -> None:
    page = paginate(session, select(_Widget).where(_Widget.id < 0), PageParams())
    assert (page.items, page.total, page.pages) == ([], 0, 0)
