"""Strict Ed25519 and key handling: polls/core/signing.py."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from polls.core import signing as S
from polls.core.canonical import b64u_decode, b64u_encode, canonical_bytes

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
IDENTITY = (1).to_bytes(32, "little")  # the neutral point: y = 1, x = 0 (small order)


def le(n: int) -> bytes:
    return n.to_bytes(32, "little")


def openssl_accepts(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


def test_domain_separation_prefixes_are_exact():
    assert S.DST_BALLOT == b"deliberate/v1/ballot\x00"
    assert S.DST_BOARD == b"deliberate/v1/board\x00"
    assert S.DST_RECEIPT == b"deliberate/v1/receipt\x00"
    assert S.DST_ELIGIBILITY == b"deliberate/v1/eligibility\x00"


@pytest.mark.parametrize("dst", [S.DST_BALLOT, S.DST_BOARD, S.DST_RECEIPT, S.DST_ELIGIBILITY])
def test_sign_and_verify_over_dst_and_jcs(dst):
    key = S.generate_board_key("k")
    obj = {"b": [1, "é"], "a": None}
    sig = S.sign(key.private_key, dst, obj)
    assert S.verify(key.public, dst, obj, sig)
    # The signature is over exactly DST + JCS(obj).
    assert openssl_accepts(key.public_bytes, b64u_decode(sig), dst + canonical_bytes(obj))
    assert S.verify(key.public, dst, {"a": None, "b": [1, "é"]}, sig)  # same JCS, same signature
    assert not S.verify(key.public, dst, {"b": [1, "e"], "a": None}, sig)


def test_a_signature_for_one_purpose_is_refused_for_another():
    key = S.generate_board_key("k")
    sig = S.sign(key.private_key, S.DST_BALLOT, {"x": 1})
    for other in (S.DST_BOARD, S.DST_RECEIPT, S.DST_ELIGIBILITY):
        assert not S.verify(key.public, other, {"x": 1}, sig)


def test_unknown_prefix_is_a_programming_error():
    key = S.generate_board_key("k")
    with pytest.raises(ValueError):
        S.sign(key.private_key, b"deliberate/v1/other\x00", {})
    with pytest.raises(ValueError):
        S.verify(key.public, b"nope", {}, "A" * 86)


def test_verify_returns_false_on_garbage_never_raises():
    key = S.generate_board_key("k")
    sig = S.sign(key.private_key, S.DST_BOARD, {})
    assert not S.verify("not b64u!", S.DST_BOARD, {}, sig)
    assert not S.verify(key.public + "=", S.DST_BOARD, {}, sig)
    assert not S.verify(key.public, S.DST_BOARD, {}, sig[:-1])
    assert not S.verify(key.public, S.DST_BOARD, {"f": 1.5}, sig)
    assert not S.verify_raw(b"\x00" * 31, b"", b"\x00" * 64)


def test_non_canonical_s_is_refused():
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes_raw()
    message = b"deliberate/v1/ballot\x00{}"
    sig = key.sign(message)
    assert S.verify_raw(public, message, sig)
    s = int.from_bytes(sig[32:], "little")
    assert s + L < 2**256
    malleated = sig[:32] + (s + L).to_bytes(32, "little")
    assert not S.verify_raw(public, message, malleated)
    assert not S.strict_signature_encoding(malleated)
    assert not S.verify_raw(public, message, sig[:32] + le(L))


def test_small_order_public_key_is_not_refused():
    # The neutral point as public key: R = neutral, S = 0 satisfies [S]B = R + [k]A for every message.
    # The spec does not refuse small-order keys (the issuer signs the list), and the equation holds.
    signature = IDENTITY + bytes(32)
    assert S.strict_point_encoding(IDENTITY)
    assert S.verify_raw(IDENTITY, b"any message", signature)
    assert S.verify_raw(IDENTITY, b"another one", signature)


@pytest.mark.parametrize(
    "public, why",
    [
        (le(P + 1), "y >= p: the neutral point named y = p + 1"),
        (le(1 | 1 << 255), "x = 0 with the sign bit set (y = 1)"),
        (le((P - 1) | 1 << 255), "x = 0 with the sign bit set (y = p - 1)"),
    ],
)
def test_non_canonical_public_key_encodings_are_refused(public, why):
    signature = IDENTITY + bytes(32)
    if public == le(P + 1) or public == le(1 | 1 << 255):
        # OpenSSL reduces these to the neutral point and accepts: the strict check is ours.
        assert openssl_accepts(public, signature, b"m"), why
    assert not S.strict_point_encoding(public)
    assert not S.verify_raw(public, b"m", signature), why


@pytest.mark.parametrize("r", [le(P + 1), le(1 | 1 << 255), le(P), le(2**255 - 1)])
def test_non_canonical_r_encodings_are_refused(r):
    assert not S.strict_point_encoding(r)
    assert not S.verify_raw(IDENTITY, b"m", r + bytes(32))


def test_strict_point_encoding_accepts_every_real_key():
    for _ in range(20):
        public = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
        assert S.strict_point_encoding(public)


# --- Board keys ------------------------------------------------------------------------------------------------


def test_board_key_text_round_trip_and_formats():
    key = S.generate_board_key("board-2026")
    text = S.dump_board_key(key)
    assert text.startswith("board-2026:") and len(text.split(":")[1]) == 43
    loaded = S.load_board_key(text)
    assert loaded.kid == "board-2026" and loaded.public == key.public
    assert S.load_board_key(f"  board-2026:{key.seed.hex()}\n").public == key.public
    assert S.load_board_key(f"urn:x:kid:{b64u_encode(key.seed)}").kid == "urn:x:kid"
    assert key.descriptor() == {"kid": "board-2026", "ed25519": key.public}
    assert key.seed.hex() not in repr(key) and b64u_encode(key.seed) not in repr(key)


@pytest.mark.parametrize("text", ["", "no-colon", ":" + "A" * 43, "k:" + "A" * 42, "k:" + "g" * 64, "k:AAAA="])
def test_bad_board_key_text_is_refused_plainly(text):
    with pytest.raises(S.InvalidKey):
        S.load_board_key(text)


def test_generate_board_key_needs_a_kid():
    with pytest.raises(S.InvalidKey):
        S.generate_board_key("")


def test_signing_is_deterministic_for_a_seed():
    seed = bytes(range(32))
    a = S.BoardKey("k", S.private_key_from_seed(seed))
    b = S.load_board_key(f"k:{seed.hex()}")
    assert a.sign(S.DST_BOARD, {"x": 1}) == b.sign(S.DST_BOARD, {"x": 1})
