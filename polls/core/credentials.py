"""Voting codes and the credentials they derive to (spec section 5).

A voting code is 24 characters of RFC 4648 base32 (120 random bits), shown as 6 groups of 4 joined
by dashes. The credential's Ed25519 seed is HKDF-SHA256(ikm = the 24 characters, uppercase ASCII
without dashes; salt = the poll id in UTF-8; info = ``deliberate/v1/credential``; 32 bytes), so the
same code gives a different, unlinkable credential in every poll.
"""

from __future__ import annotations

import base64
import secrets

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .signing import public_b64u

__all__ = [
    "InvalidVotingCode",
    "new_voting_code",
    "normalise_code",
    "format_code",
    "derive_credential",
    "public_b64u",
]

CODE_CHARS = 24
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
_HKDF_INFO = b"deliberate/v1/credential"


class InvalidVotingCode(ValueError):
    """Text that is not a voting code. The message says why, in words a voter can act on."""


def format_code(code: str) -> str:
    """Show a normalised 24-character code as 6 groups of 4 joined by ``-``."""
    return "-".join(code[i : i + 4] for i in range(0, CODE_CHARS, 4))


def new_voting_code() -> str:
    """A fresh voting code, ``XXXX-XXXX-XXXX-XXXX-XXXX-XXXX``, from 120 bits of ``secrets``."""
    # 15 bytes are exactly 24 base32 characters, so there is no padding and no spare bit.
    return format_code(base64.b32encode(secrets.token_bytes(15)).decode("ascii"))


def normalise_code(text: str) -> str:
    """The 24 code characters, uppercase and without separators, ready for derivation.

    Accepts lowercase and any spaces or dashes between characters (as typed or pasted). Raises
    InvalidVotingCode when a character is outside the base32 alphabet (A-Z, 2-7) or when there are
    not exactly 24 of them.
    """
    if not isinstance(text, str):
        raise InvalidVotingCode("a voting code is text")
    chars = "".join(c for c in text.upper() if c != "-" and not c.isspace())
    bad = sorted({c for c in chars if c not in _ALPHABET})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        hint = " (the digits 0, 1, 8 and 9 never appear in a code)" if set(bad) & set("0189") else ""
        raise InvalidVotingCode(f"a voting code uses only the letters A-Z and the digits 2-7; found {shown}{hint}")
    if len(chars) != CODE_CHARS:
        raise InvalidVotingCode(f"a voting code has {CODE_CHARS} characters (6 groups of 4); found {len(chars)}")
    return chars


def derive_credential(code: str, poll_id: str) -> Ed25519PrivateKey:
    """The credential private key that the voting code ``code`` gives in poll ``poll_id``.

    Requires: a code normalise_code accepts (raises InvalidVotingCode otherwise); a non-empty poll
    id. Guarantees: deterministic; spec section 5's HKDF-SHA256 derivation.
    """
    if not isinstance(poll_id, str) or not poll_id:
        raise ValueError("derive_credential needs the poll's public id")
    ikm = normalise_code(code).encode("ascii")
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=poll_id.encode("utf-8"), info=_HKDF_INFO).derive(ikm)
    return Ed25519PrivateKey.from_private_bytes(seed)
