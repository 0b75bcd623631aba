"""Ed25519 signatures of deliberate-board/1, verified strictly (spec section 1).

Every signature is over ``DST + JCS(object)``, where DST is one of the four ASCII prefixes below,
each ending in a NUL byte, so that a signature made for one purpose can never be replayed as another.

Verification is stricter than OpenSSL's: before calling it we refuse S >= L and any encoding of R or
of the public key with y >= p, or with x = 0 and the sign bit set (x = 0 happens exactly for y = 1
and y = p - 1). OpenSSL 3/4 accepts such public keys, so without these checks one key could have
several names and a signature several forms. The equation itself is OpenSSL's, which is the
cofactorless one. Small-order public keys are deliberately not refused: the spec leaves that to the
issuer, who signs the eligibility list.

Key text format (for ``DELIBERATE_BOARD_KEY`` and files): ``KID:SEED`` where SEED is the 32-byte
Ed25519 private seed in unpadded b64u (43 characters) or lowercase hex (64 characters). The kid is
everything before the last colon and may itself hold colons; it must not be empty.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from .canonical import EncodingError, b64u_decode, b64u_encode, canonical_bytes

__all__ = [
    "DST_BALLOT",
    "DST_BOARD",
    "DST_RECEIPT",
    "DST_ELIGIBILITY",
    "InvalidKey",
    "BoardKey",
    "Keypair",
    "sign",
    "sign_bytes",
    "verify",
    "verify_raw",
    "strict_point_encoding",
    "strict_signature_encoding",
    "public_b64u",
    "generate_board_key",
    "load_board_key",
    "dump_board_key",
    "private_key_from_seed",
]

DST_BALLOT = b"deliberate/v1/ballot\x00"
DST_BOARD = b"deliberate/v1/board\x00"
DST_RECEIPT = b"deliberate/v1/receipt\x00"
DST_ELIGIBILITY = b"deliberate/v1/eligibility\x00"
_DSTS = frozenset((DST_BALLOT, DST_BOARD, DST_RECEIPT, DST_ELIGIBILITY))

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_Y_MASK = (1 << 255) - 1


class InvalidKey(ValueError):
    """A key or key text that cannot be used (wrong length, bad encoding, missing kid...)."""


def strict_point_encoding(encoded: bytes) -> bool:
    """True unless the 32-byte point encoding is one the spec refuses: y >= p, or x = 0 (y = 1 or
    y = p - 1) with the sign bit set. Says nothing about the point being on the curve: the
    signature check refuses points that are not."""
    if len(encoded) != 32:
        return False
    value = int.from_bytes(encoded, "little")
    y = value & _Y_MASK
    if y >= _P:
        return False
    if value >> 255 and (y == 1 or y == _P - 1):
        return False
    return True


def strict_signature_encoding(signature: bytes) -> bool:
    """True when a 64-byte signature has a strictly encoded R and S < L."""
    return (
        len(signature) == 64 and int.from_bytes(signature[32:], "little") < _L and strict_point_encoding(signature[:32])
    )


def verify_raw(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Strict Ed25519 verification of ``signature`` over the exact bytes ``message``.

    Requires: 32-byte public key, 64-byte signature (other lengths just fail). Guarantees: True only
    when the encodings pass the strict checks and the cofactorless equation holds. Never raises for
    bad input.
    """
    # The checks are written out (not calls) because the verifier runs this once per ballot.
    if len(signature) != 64 or len(public_key) != 32:
        return False
    if int.from_bytes(signature[32:], "little") >= _L:
        return False
    for encoded in (signature[:32], public_key):
        value = int.from_bytes(encoded, "little")
        y = value & _Y_MASK
        if y >= _P or (value >> 255 and (y == 1 or y == _P - 1)):
            return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def sign_bytes(private_key: Ed25519PrivateKey, dst: bytes, payload: bytes) -> bytes:
    """Sign ``dst + payload`` and return the raw 64-byte signature."""
    if dst not in _DSTS:
        raise ValueError(f"unknown domain-separation prefix {dst!r}")
    return private_key.sign(dst + payload)


def sign(private_key: Ed25519PrivateKey, dst: bytes, obj) -> str:
    """Sign ``dst + JCS(obj)``; return the signature in b64u.

    Requires: ``dst`` one of the DST_* constants, ``obj`` serialisable by canonical_bytes.
    """
    return b64u_encode(sign_bytes(private_key, dst, canonical_bytes(obj)))


def verify(public_b64u: str, dst: bytes, obj, sig_b64u: str) -> bool:
    """Strictly verify a b64u signature over ``dst + JCS(obj)`` with a b64u public key.

    Guarantees: False (never an exception) for a non-canonical b64u key or signature, wrong lengths,
    a value canonical_bytes refuses, or a signature that does not verify strictly.
    """
    if dst not in _DSTS:
        raise ValueError(f"unknown domain-separation prefix {dst!r}")
    try:
        public_key = b64u_decode(public_b64u, 32)
        signature = b64u_decode(sig_b64u, 64)
        payload = canonical_bytes(obj)
    except ValueError:
        return False
    return verify_raw(public_key, dst + payload, signature)


def public_b64u(private_key: Ed25519PrivateKey) -> str:
    """The b64u of the raw 32-byte public key of ``private_key``."""
    return b64u_encode(private_key.public_key().public_bytes_raw())


def private_key_from_seed(seed: bytes) -> Ed25519PrivateKey:
    """The Ed25519 private key whose RFC 8032 seed is the 32 bytes ``seed``."""
    if len(seed) != 32:
        raise InvalidKey(f"an Ed25519 seed is 32 bytes, not {len(seed)}")
    return Ed25519PrivateKey.from_private_bytes(seed)


@dataclass(frozen=True)
class BoardKey:
    """A named Ed25519 key pair: the board key, or an eligibility issuer's key.

    ``kid`` is the name written next to the public key on the board (``board_key.kid``,
    ``issuer.kid``) and in receipts.
    """

    kid: str
    private_key: Ed25519PrivateKey

    @property
    def public(self) -> str:
        """The public key in b64u, as written on the board."""
        return public_b64u(self.private_key)

    @property
    def public_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes_raw()

    @property
    def seed(self) -> bytes:
        return self.private_key.private_bytes_raw()

    def sign(self, dst: bytes, obj) -> str:
        """Sign ``dst + JCS(obj)`` with this key; b64u signature."""
        return sign(self.private_key, dst, obj)

    def descriptor(self) -> dict:
        """``{"kid": ..., "ed25519": ...}``, the form the setup entry names a key by."""
        return {"kid": self.kid, "ed25519": self.public}

    def __repr__(self) -> str:  # never show the private key
        return f"BoardKey(kid={self.kid!r}, public={self.public!r})"


#: Same type; the name reads better for issuer keys and test fixtures.
Keypair = BoardKey


def generate_board_key(kid: str) -> BoardKey:
    """A fresh random key pair named ``kid`` (store it with dump_board_key)."""
    if not isinstance(kid, str) or not kid:
        raise InvalidKey("a key needs a non-empty kid")
    return BoardKey(kid, Ed25519PrivateKey.generate())


def dump_board_key(key: BoardKey) -> str:
    """The key's text form ``KID:SEED_B64U``, suitable for the DELIBERATE_BOARD_KEY variable."""
    return f"{key.kid}:{b64u_encode(key.seed)}"


def new_board_key() -> str:
    """A fresh board key in its text form, named after today's date: `board-YYYYMMDD-XXXX:SEED`."""
    return dump_board_key(generate_board_key(f"board-{date.today():%Y%m%d}-{secrets.token_hex(2)}"))


def load_board_key(text: str) -> BoardKey:
    """Parse ``KID:SEED`` (SEED in b64u or hex, see the module docstring).

    Surrounding whitespace is ignored. Raises InvalidKey with a plain message otherwise.
    """
    if not isinstance(text, str):
        raise InvalidKey("a board key is text of the form KID:SEED")
    kid, sep, seed_text = text.strip().rpartition(":")
    if not sep or not kid:
        raise InvalidKey("a board key is text of the form KID:SEED (the kid is missing)")
    if len(seed_text) == 64:
        try:
            seed = bytes.fromhex(seed_text)
        except ValueError:
            raise InvalidKey("the 64-character key seed is not hex") from None
    else:
        try:
            seed = b64u_decode(seed_text, 32)
        except EncodingError as exc:
            raise InvalidKey(f"the key seed is neither 43-character b64u nor 64-character hex: {exc}") from None
    return BoardKey(kid, private_key_from_seed(seed))
