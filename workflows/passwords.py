"""Password hashing (Argon2id, memory-hard) and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()
# Checked against when the email is unknown, so a wrong email costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password, used to even out timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether the password matches. Takes as long when there is no hash to check."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, user_inputs: list[str] | None = None) -> str | None:
    """Why a new password is not good enough, or None if it is."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    # The strength estimate looks for common passwords, words, names and patterns. It refuses
    # input over 72 characters, and the first 72 are enough to judge.
    inputs = [v for v in (user_inputs or []) if v]
    # The parts of an email address and a name count as things about the user, not only the whole.
    inputs += [part for v in inputs for part in v.replace("@", " ").replace(".", " ").split() if len(part) > 2]
    if _mostly_personal(password, inputs):
        return "Password must not be based on your name or email address"
    result = zxcvbn(password[:72], user_inputs=inputs)
    if result["score"] < 3:
        return "Password is too easy to guess. Try a few unrelated words together"
    return None


def _mostly_personal(password: str, inputs: list[str]) -> bool:
    """Whether the password is little more than the user's name or email with digits or symbols."""
    remainder = password.lower()
    for part in sorted({p.lower() for p in inputs}, key=len, reverse=True):
        remainder = remainder.replace(part, "")
    return len(remainder) < len(password) and sum(c.isalpha() for c in remainder) < 4
