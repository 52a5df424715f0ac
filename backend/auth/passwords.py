"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 10
# the most guessed passwords in Norwegian and English leaks, as typed and with the usual endings
_COMMON_STEMS = (
    "password",
    "passord",
    "qwerty",
    "123456",
    "abc123",
    "letmein",
    "welcome",
    "velkommen",
    "admin",
    "sommer",
    "vinter",
    "hjemmetjenesten",
    "hemmelig",
    "iloveyou",
    "norge",
)


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new password is too weak to guard health data, or None when it will do."""
    lowered = password.lower()
    if len(password) < MIN_LENGTH:
        return f"passordet må ha minst {MIN_LENGTH} tegn"
    if len(set(password)) < 4:
        return "passordet har for få ulike tegn"
    stripped = lowered.strip("0123456789!.-_ ")
    if stripped in _COMMON_STEMS or stripped == "":
        return "passordet er blant de mest brukte og gjettes lett"
    if username and len(username) >= 3 and username.lower() in lowered:
        return "passordet kan ikke inneholde brukernavnet"
    return None
