"""Building blocks for browser sessions (the web pages use them; the API accepts only the header).

* The access token travels in an ``HttpOnly`` cookie, so page scripts can never read it, with
  ``SameSite=Lax``, so other sites cannot make the browser send it on their form posts.
* Form posts also carry a CSRF token: an HMAC of the session cookie's value under a key derived
  from the signing key. It needs no server-side storage, changes with every new session, and a
  token taken from one session is worthless in another.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from facturo.kit.auth_settings import AuthSettings, get_auth_settings

SESSION_COOKIE = "facturo_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


def session_cookie_options(*, secure: bool, max_age_seconds: int) -> dict[str, Any]:
    """Keyword arguments for ``Response.set_cookie`` (``secure`` must be true behind HTTPS)."""
    return {
        "key": SESSION_COOKIE,
        "httponly": True,
        "samesite": "lax",
        "secure": secure,
        "path": "/",
        "max_age": max_age_seconds,
    }


def _csrf_key(settings: AuthSettings) -> bytes:
    # A key of its own, derived from the signing key, so a CSRF token can never pass for a signature.
    return hmac.new(settings.signing_key().encode(), b"facturo csrf v1", hashlib.sha256).digest()


def csrf_token(session_value: str, settings: AuthSettings | None = None) -> str:
    """The CSRF token that goes into every form of the session whose cookie holds ``session_value``."""
    digest = hmac.new(_csrf_key(settings or get_auth_settings()), session_value.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_valid(session_value: str | None, presented: str | None, settings: AuthSettings | None = None) -> bool:
    """True only when the form's token belongs to this very session (constant-time comparison)."""
    if not session_value or not presented:
        return False
    return hmac.compare_digest(csrf_token(session_value, settings), presented)
