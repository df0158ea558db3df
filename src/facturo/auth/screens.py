"""What the administration pages show, each gathered by one call: the user list, the user and token
forms, a token's page.

A creation that is refused (or whose input was not valid) shows its form again: the outcome carries
the refusal with what the form needs, so the page never asks twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from facturo.auth.api_tokens import create_api_token_until, get_api_token
from facturo.auth.grants import grantable_roles
from facturo.auth.models import ApiToken, User
from facturo.auth.users import create_user as create_user_record
from facturo.auth.users import list_users
from facturo.customers import service as customers
from facturo.kit.access import Principal, Role
from facturo.kit.errors import FacturoError
from facturo.kit.pagination import MAX_PAGE_SIZE, PageParams

if TYPE_CHECKING:
    from facturo.customers.models import Customer


@dataclass(frozen=True, slots=True)
class UserList:
    users: list[User]
    customer_names: dict[int, str]  # the portal users' customers, by id


def user_list(session: Session) -> UserList:
    users = list_users(session)
    linked = customers.by_ids(session, [u.customer_id for u in users if u.customer_id is not None])
    return UserList(users, {customer_id: c.name for customer_id, c in linked.items()})


def linkable_customers(session: Session) -> list[Customer]:
    """The customers a portal user or a token can be limited to: the active ones, the first 500 by name."""
    return customers.search_customers(session, PageParams(1, MAX_PAGE_SIZE), active=True).items


@dataclass(frozen=True, slots=True)
class UserForm:
    roles: list[Role]  # the roles the manager may give
    customers: list[Customer]  # to link a portal user to


def user_form(session: Session, granter: Principal) -> UserForm:
    return UserForm(grantable_roles(granter), linkable_customers(session))


@dataclass(frozen=True, slots=True)
class NewUser:
    email: str
    name: str
    password: str
    role: str
    customer_id: int | None
    issuer_nits: list[str] | None = None  # the issuer role's NITs, as typed


@dataclass(frozen=True, slots=True)
class UserCreation:
    user: User | None  # the user created
    problem: FacturoError | None  # the service's refusal, if it refused
    form: UserForm | None  # the form to show again, unless the user was created


def create_user(session: Session, granter: Principal, new: NewUser | None) -> UserCreation:
    """Create the user ``new`` describes, granted by ``granter``; ``None`` (the input was not valid)
    only gathers the form."""
    if new is not None:
        try:
            user = create_user_record(
                session,
                granter.actor,
                new.email,
                new.name,
                new.password,
                new.role,
                new.customer_id,
                issuer_nits=new.issuer_nits,
                granted_by=granter,
            )
        except FacturoError as exc:
            return UserCreation(None, exc, user_form(session, granter))
        return UserCreation(user, None, None)
    return UserCreation(None, None, user_form(session, granter))


@dataclass(frozen=True, slots=True)
class NewToken:
    name: str
    permissions: list[str]
    last_day: date | None  # the last day it works, in the organisation's time zone; None: no expiry
    customer_id: int | None
    issuer_nits: list[str] | None = None  # the issuers it is bound to, as typed


@dataclass(frozen=True, slots=True)
class TokenCreation:
    token: ApiToken | None  # the token created
    secret: str  # its plaintext, shown once ("" unless created)
    problem: FacturoError | None  # the service's refusal, if it refused
    customers: list[Customer] | None  # for the form to show again, unless the token was created


def create_token(session: Session, granter: Principal, new: NewToken | None, now: datetime) -> TokenCreation:
    """Create the token ``new`` describes, granted by ``granter``; ``None`` (the input was not valid)
    only gathers the form."""
    if new is not None:
        try:
            token, secret = create_api_token_until(
                session,
                granter.actor,
                new.name,
                new.permissions,
                new.last_day,
                new.customer_id,
                issuer_nits=new.issuer_nits,
                granted_by=granter,
                now=now,
            )
        except FacturoError as exc:
            return TokenCreation(None, "", exc, linkable_customers(session))
        return TokenCreation(token, secret, None, None)
    return TokenCreation(None, "", None, linkable_customers(session))


@dataclass(frozen=True, slots=True)
class TokenScreen:
    token: ApiToken
    customer: Customer | None  # the customer it is limited to, if any


def token_screen(session: Session, token_id: int) -> TokenScreen:
    token = get_api_token(session, token_id)
    if token.customer_id is None:
        return TokenScreen(token, None)
    return TokenScreen(token, customers.by_ids(session, [token.customer_id]).get(token.customer_id))
