"""Short codes people read aloud and type on phones: invite codes, link codes for group chats."""

from __future__ import annotations

import secrets

# Without 0/O and 1/I/L: codes are read aloud and typed on phones.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(typed: str) -> str:
    """A code as stored: upper case, without the spaces and dashes people type between its parts."""
    return typed.strip().upper().replace("-", "").replace(" ", "")


def looks_like_code(typed: str) -> bool:
    """Whether ``typed`` has the shape of a code (not whether any such code exists)."""
    code = normalise_code(typed)
    return len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
