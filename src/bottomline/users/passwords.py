"""Password hashes: argon2id through argon2-cffi, with its defaults (RFC 9106's second
recommended profile: 64 MiB, 3 passes, 4 lanes). A password is never stored or shown."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bottomline.errors import UserError

PASSWORD_MIN = 10

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("an unknown user costs a verification too")


def hash_password(password: str, username: str) -> str:
    """The hash to store for ``password`` after checking it is usable for ``username``."""
    if len(password) < PASSWORD_MIN or password.lower() == username.lower():
        raise UserError(
            f"密码须至少 {PASSWORD_MIN} 个字符，且不能与用户名相同 / a password needs at least "
            f"{PASSWORD_MIN} characters and must differ from the user name"
        )
    if len(set(password)) < 4:
        raise UserError(
            "密码须含至少 4 个不同的字符 / a password needs at least 4 different characters"
        )
    return _hasher.hash(password)


def verify(hashed: str | None, password: str) -> bool:
    """Whether ``password`` matches ``hashed``; with no hash it still costs one verification,
    so the time does not tell whether the user exists."""
    try:
        return _hasher.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    return _hasher.check_needs_rehash(hashed)
