"""Token primitives: signed JWT access tokens (PyJWT) and opaque refresh tokens."""

import base64
import hashlib
import secrets
import uuid
from datetime import datetime

import jwt
from django.conf import settings
from django.utils.crypto import salted_hmac

from kernel.values import parse_id

ACCESS_TOKEN_TYPE = "access"
_ALGORITHM = "HS256"
_SUCCESSOR_KEY_SALT = "users.tokens.refresh_token_successor"


class InvalidToken(Exception):
    """The token is malformed, forged, expired or revoked; the message says which."""


def access_token_encode(*, user_id: int, now: datetime) -> str:
    claims = {
        "sub": str(user_id),
        "typ": ACCESS_TOKEN_TYPE,
        "iat": now,
        "exp": now + settings.ACCESS_TOKEN_LIFETIME,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, settings.JWT_SIGNING_KEY, algorithm=_ALGORITHM)


def access_token_user_id(token: str) -> int:
    """The user id an access token was issued to; raises InvalidToken."""
    try:
        claims = jwt.decode(
            token,
            settings.JWT_SIGNING_KEY,
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "exp", "iat", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise InvalidToken("the access token has expired; get a new one with refreshToken") from exc
    except jwt.InvalidTokenError as exc:
        raise InvalidToken("the access token is invalid") from exc
    user_id = parse_id(claims["sub"]) if claims["typ"] == ACCESS_TOKEN_TYPE else None
    if user_id is None:
        raise InvalidToken("the access token is invalid")
    return user_id


def refresh_token_generate() -> str:
    return secrets.token_urlsafe(32)


def refresh_token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def refresh_token_successor(raw_token: str) -> str:
    """The refresh token a rotation turns `raw_token` into: a keyed hash of it (HMAC-SHA256 under a key derived
    from SECRET_KEY), as long and as random as refresh_token_generate's. Derived rather than drawn, so that a
    second use of a rotated token within the reuse interval gets the same successor although only hashes are
    stored; keyed, so that a stolen token alone does not give away its successor."""
    digest = salted_hmac(_SUCCESSOR_KEY_SALT, raw_token, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
