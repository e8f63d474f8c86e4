"""Who may see what: join codes, team and facilitator tokens, the facilitator's PIN.

Join codes are 12 symbols of Crockford's base 32 (60 bits: far too many to guess over a network);
tokens are 256-bit random strings (:mod:`secrets`) that only their holder knows, and the store keeps
only their SHA-256. The PIN is stored as a salted scrypt hash (:func:`hashlib.scrypt`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

#: Crockford's base 32: no I, L, O or U, so that a code read aloud or from a projector is not misread.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12
PIN_MIN, PIN_MAX = 6, 64
#: scrypt's cost (RFC 7914's interactive-login figures: about 50 ms and 16 MB per check).
SCRYPT = {"n": 2**14, "r": 8, "p": 1}
NAME_MAX = 40
NAME_PATTERN = re.compile(r"^[\w .,'&+\-!?()]+$")


def new_join_code() -> str:
    """A random join code, e.g. ``K7QM-P3XD-9TZA``."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str:
    """A code as typed (any case, spaces or dashes, O for 0, I or L for 1) in its stored form."""
    raw = re.sub(r"[\s-]", "", str(text)).upper().translate(str.maketrans("OIL", "011"))
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(str(token).encode()).hexdigest()


def pin_problem(pin: object) -> str | None:
    if not isinstance(pin, str) or not PIN_MIN <= len(pin) <= PIN_MAX:
        return f"choose a PIN of {PIN_MIN} to {PIN_MAX} characters"
    return None


def hash_pin(pin: str) -> tuple[bytes, bytes]:
    """(salt, hash) of ``pin``."""
    salt = secrets.token_bytes(16)
    return salt, hashlib.scrypt(pin.encode(), salt=salt, **SCRYPT)


def pin_matches(pin: str, salt: bytes, expected: bytes) -> bool:
    return hmac.compare_digest(hashlib.scrypt(str(pin).encode(), salt=salt, **SCRYPT), expected)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a team's name, or None."""
    if not isinstance(name, str) or not name.strip():
        return "enter your team's name"
    name = name.strip()
    if len(name) > NAME_MAX:
        return f"a team name has at most {NAME_MAX} characters"
    if not NAME_PATTERN.match(name):
        return "use letters, digits, spaces and . , ' & + - ! ? ( ) only"
    return None
