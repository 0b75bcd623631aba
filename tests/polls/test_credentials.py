"""Voting codes and credential derivation (spec section 5): polls/core/credentials.py."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from hypothesis import given, settings
from hypothesis import strategies as st

from polls.core.board import load_setup
from polls.core.credentials import (
    InvalidVotingCode,
    derive_credential,
    new_voting_code,
    normalise_code,
    public_b64u,
)

HERE = Path(__file__).resolve().parent
VECTOR_DIRS = [d for d in (HERE / "vectors", HERE.parents[2] / "shared" / "specs" / "vectors") if d.is_dir()]


@pytest.mark.parametrize("vectors", VECTOR_DIRS, ids=lambda d: str(d.relative_to(d.parents[2])))
def test_codes_vector_derives_every_published_credential(vectors):
    codes = json.loads((vectors / "codes-approval.json").read_text())
    board = (vectors / "approval-credential.jsonl").read_bytes().splitlines(keepends=True)
    setup = load_setup(board[0])
    assert len(codes) == 12
    for item in codes:
        pub = public_b64u(derive_credential(item["code"], setup.poll))
        assert pub == item["pub"]
        assert (pub in setup.cred_index) == item["eligible"]


def test_new_voting_code_has_the_published_shape():
    codes = {new_voting_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){5}", code)
        # 24 base32 characters are exactly the 15 random bytes: no padding, no spare bit.
        assert len(base64.b32decode(code.replace("-", ""))) == 15


@pytest.mark.parametrize(
    "typed",
    ["FE52-QML3-HODE-CV4J-CYJA-FUJF", "fe52-qml3-hode-cv4j-cyja-fujf", "FE52 QML3 HODE CV4J CYJA FUJF",
     "fe52qml3hodecv4jcyjafujf", "  FE52-QML3 - HODE-CV4J-CYJA-FUJF\n"],
)  # fmt: skip
def test_normalise_code_accepts_what_voters_type(typed):
    assert normalise_code(typed) == "FE52QML3HODECV4JCYJAFUJF"


@pytest.mark.parametrize(
    "typed, says",
    [
        ("FE52-QML3-HODE-CV4J-CYJA-FUJ", "24 characters"),
        ("FE52-QML3-HODE-CV4J-CYJA-FUJFA", "24 characters"),
        ("FE52-QML3-HODE-CV4J-CYJA-FUJ0", "0"),
        ("FE52-QML3-HODE-CV4J-CYJA-FUJ1", "never appear"),
        ("FE52_QML3-HODE-CV4J-CYJA-FUJF", "'_'"),
        ("FE52-QML3-HODE-CV4J-CYJA-FUJÉ", "A-Z"),
        ("", "24 characters"),
    ],
)
def test_normalise_code_refuses_with_a_reason(typed, says):
    with pytest.raises(InvalidVotingCode, match=re.escape(says)):
        normalise_code(typed)


def test_normalise_code_refuses_non_text():
    with pytest.raises(InvalidVotingCode):
        normalise_code(None)


def test_derivation_is_the_specified_hkdf():
    code, poll = "FE52-QML3-HODE-CV4J-CYJA-FUJF", "poll-101-approval"
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=poll.encode(), info=b"deliberate/v1/credential").derive(
        b"FE52QML3HODECV4JCYJAFUJF"
    )
    assert derive_credential(code, poll).private_bytes_raw() == seed


@settings(max_examples=25)
@given(st.text(min_size=1, max_size=20))
def test_one_code_gives_unlinkable_credentials_in_two_polls(poll):
    code = "FE52-QML3-HODE-CV4J-CYJA-FUJF"
    other = poll + "-2"
    assert public_b64u(derive_credential(code, poll)) != public_b64u(derive_credential(code, other))
    assert public_b64u(derive_credential(code.lower(), poll)) == public_b64u(derive_credential(code, poll))


def test_derive_needs_a_poll_id():
    with pytest.raises(ValueError):
        derive_credential("FE52-QML3-HODE-CV4J-CYJA-FUJF", "")
