"""Canonical JSON (JCS) and the format's small encodings: polls/core/canonical.py."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from polls.core import canonical as C

MAX = 2**53 - 1

# Strings over all of Unicode except lone surrogates (UTF-8 cannot carry them), with extra weight on
# the characters where serialisers differ: C0 controls, DEL, U+2028/9, the private-use and BMP top
# (U+E000..U+FFFF) and non-BMP characters.
_tricky = st.sampled_from(
    ["\x00", "\x01", "\x08", "\t", "\n", "\x0c", "\r", "\x1f", '"', "\\", "/", "\x7f", "\u2028",
     "\u2029", "\ue000", "\uffff", "\U0001f600", "\U00010000", "é", "\u0301", "€"]
)  # fmt: skip
texts = st.text(st.one_of(st.characters(exclude_categories=["Cs"]), _tricky), max_size=8)
scalars = st.one_of(st.none(), st.booleans(), st.integers(0, MAX), texts)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(texts, children, max_size=5)),
    max_leaves=10,
)
ascii_keys = st.text(st.characters(max_codepoint=127), max_size=8)
ascii_keyed_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(ascii_keys, children, max_size=5)),
    max_leaves=10,
)


# --- JCS ------------------------------------------------------------------------------------------


@settings(max_examples=100)
@given(values)
def test_canonical_bytes_equal_rfc8785_for_every_allowed_value(value):
    assert C.canonical_bytes(value) == rfc8785.dumps(value)
    assert C.canonical_text(value).encode("utf-8") == rfc8785.dumps(value)


@settings(max_examples=100)
@given(ascii_keyed_values)
def test_fast_serialiser_alone_is_jcs_when_keys_are_ascii(value):
    # The claim the fast path rests on: for ASCII keys json.dumps(sort_keys, ensure_ascii=False) is
    # JCS, string escaping included (controls, DEL, U+2028, non-BMP).
    fast = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    assert fast == rfc8785.dumps(value)


def test_string_escaping_matches_jcs_on_the_tricky_characters():
    text = "".join(chr(c) for c in range(0x20)) + '"\\/\x7f\u2028\u2029\U0001f600é'
    assert C.canonical_bytes(text) == rfc8785.dumps(text)
    assert C.canonical_bytes(text).startswith(b'"\\u0000\\u0001')
    assert b"\\b\\t\\n\\u000b\\f\\r" in C.canonical_bytes(text)
    assert "\u2028".encode() in C.canonical_bytes(text)  # written as is, not escaped


def test_key_order_is_utf16_even_where_python_order_differs():
    # U+E000 sorts after U+1F600 by code point but before it by UTF-16 code units (D83D...).
    value = {"\ue000": 1, "\U0001f600": 2, "a": 3}
    python_order = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert python_order != rfc8785.dumps(value)
    assert C.canonical_bytes(value) == rfc8785.dumps(value)
    assert C.parse_canonical(rfc8785.dumps(value)) == value
    with pytest.raises(C.NotCanonical):
        C.parse_canonical(python_order)


@pytest.mark.parametrize("value", [1.0, 0.5, float("nan"), -1, MAX + 1, {1: 2}, {"a": b"x"}, object()])
def test_canonical_bytes_refuses_values_outside_the_format(value):
    with pytest.raises(C.JSONFormatError):
        C.canonical_bytes(value)


def test_canonical_bytes_refuses_lone_surrogates():
    with pytest.raises(C.JSONFormatError):
        C.canonical_bytes({"a": "\ud800"})


# --- Parsing ----------------------------------------------------------------------------------------


@settings(max_examples=60)
@given(values)
def test_parse_canonical_accepts_exactly_the_jcs_bytes(value):
    data = rfc8785.dumps(value)
    assert C.parse_canonical(data) == value
    pretty = json.dumps(value, indent=1, ensure_ascii=True).encode()
    if pretty != data:
        with pytest.raises(C.NotCanonical):
            C.parse_canonical(pretty)


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"b":1,"a":2}', "key order"),
        ('{"a": 1}', "whitespace"),
        (' {"a":1}', "whitespace"),
        ('{"a":"\\u00e9"}', "escaping"),
        ('{"a":"\\/"}', "escaping"),
        ('{"a":"\\u001F"}', "escaping"),
        ('{"a":"\\ud83d\\ude00"}', "escaping"),
        ('{"a":1,"a":1}', "duplicate"),
        ('{"a":01}', "not JSON"),
    ],
)
def test_parse_canonical_refuses_non_canonical_text(text, reason):
    with pytest.raises(C.JSONFormatError) as info:
        C.parse_canonical(text.encode())
    if reason == "duplicate":
        assert "duplicate" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a":1.0}',
        '{"a":1e3}',
        '{"a":-1}',
        '{"a":-0}',
        '{"a":9007199254740992}',
        '{"a":NaN}',
        '{"a":Infinity}',
        "[1.5]",
    ],  # fmt: skip
)
def test_parsers_refuse_floats_negative_and_huge_integers(text):
    with pytest.raises(C.JSONFormatError):
        C.parse_json(text)
    with pytest.raises(C.JSONFormatError):
        C.parse_canonical(text)


def test_parse_accepts_the_largest_integer():
    assert C.parse_canonical(b'{"a":9007199254740991}') == {"a": MAX}


def test_parsers_refuse_invalid_utf8_bom_and_lone_surrogate_escapes():
    with pytest.raises(C.JSONFormatError, match="not UTF-8"):
        C.parse_json(b'{"a":"\xff"}')
    with pytest.raises(C.JSONFormatError):
        C.parse_canonical('\ufeff{"a":1}'.encode())
    with pytest.raises(C.JSONFormatError):
        C.parse_canonical(b'{"a":"\\ud800"}')


def test_parse_json_is_lenient_on_layout_but_not_on_duplicates():
    assert C.parse_json(b'{ "b" : 1 ,\n "a" : [ ] }') == {"a": [], "b": 1}
    with pytest.raises(C.JSONFormatError, match='duplicate member "a"'):
        C.parse_json(b'{"a":1,"a":2}')


def test_not_canonical_message_says_where():
    with pytest.raises(C.NotCanonical, match="whitespace"):
        C.parse_canonical(b'{"a":1, "b":2}')


# --- b64u ----------------------------------------------------------------------------------------------


@given(st.binary(max_size=80))
def test_b64u_round_trip(data):
    text = C.b64u_encode(data)
    assert "=" not in text
    assert C.b64u_decode(text) == data
    assert C.is_b64u(text, len(data))


@settings(max_examples=150)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ ", max_size=90))
def test_is_b64u_agrees_with_the_strict_decoder(text):
    for n in (16, 32, 64):
        try:
            ok = len(C.b64u_decode(text, n)) == n
        except C.EncodingError:
            ok = False
        assert C.is_b64u(text, n) == ok
        if ok:
            assert C.b64u_decode_valid(text) == C.b64u_decode(text)


def test_b64u_refuses_padding_trailing_bits_lengths_and_foreign_characters():
    key = bytes(range(32))
    good = C.b64u_encode(key)
    assert len(good) == 43
    with pytest.raises(C.EncodingError, match="unpadded"):
        C.b64u_decode(good + "=")
    last = good[-1]
    sloppy = (
        good[:-1]
        + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".index(last) + 1
        ]
    )
    with pytest.raises(C.EncodingError, match="trailing bits"):
        C.b64u_decode(sloppy)
    assert not C.is_b64u(sloppy, 32)
    with pytest.raises(C.EncodingError):
        C.b64u_decode(good, 64)
    for foreign in "+/":  # the standard alphabet's characters are not b64u
        with pytest.raises(C.EncodingError, match="outside"):
            C.b64u_decode(foreign + good[1:])
    with pytest.raises(C.EncodingError):
        C.b64u_decode(good[:10] + " " + good[10:])
    with pytest.raises(C.EncodingError):
        C.b64u_decode("A")  # 1 character can encode nothing
    with pytest.raises(C.EncodingError):
        C.b64u_decode(None)


# --- Hashes and times ------------------------------------------------------------------------------------


def test_sha256_hex_and_hash_form():
    digest = C.sha256_hex(b"abc")
    assert digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert C.is_hex64(digest)
    assert not C.is_hex64(digest.upper())
    assert not C.is_hex64(digest[:-1])
    assert not C.is_hex64(None)


@pytest.mark.parametrize("text", ["2026-06-01T08:00:00Z", "2024-02-29T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_times_in_the_format_are_accepted(text):
    C.check_time(text)
    assert C.format_time(C.parse_time(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-02-30T08:00:00Z", "2025-02-29T08:00:00Z", "2026-06-01T24:00:00Z", "2026-06-01T08:60:00Z",
        "2026-06-31T08:00:00Z", "2026-06-01T23:59:60Z", "2026-06-01T08:00:00z", "2026-06-01 08:00:00Z",
        "2026-06-01T08:00:00.5Z", "2026-06-01T08:00:00+00:00", "2026-6-01T08:00:00Z", "0000-01-01T00:00:00Z",
        "２０２６-06-01T08:00:00Z", "", None, 20260601,
    ],
)  # fmt: skip
def test_times_outside_the_format_are_refused(text):
    assert not C.is_time(text)
    with pytest.raises(C.EncodingError):
        C.check_time(text)


def test_format_time_converts_to_utc_and_refuses_naive_datetimes():
    paris = dt.timezone(dt.timedelta(hours=2))
    assert C.format_time(dt.datetime(2026, 6, 1, 10, 0, 0, 999, tzinfo=paris)) == "2026-06-01T08:00:00Z"
    with pytest.raises(ValueError):
        C.format_time(dt.datetime(2026, 6, 1, 10, 0))
