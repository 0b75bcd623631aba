"""Canonical JSON and the small encodings of deliberate-board/1 (spec sections 1 and 5).

Everything here is pure: no Django, no I/O. The board writer uses it to produce the exact bytes it
signs and hashes; the verifier uses it to refuse any line that is not byte-equal to the RFC 8785
(JCS) form of its own parse.

JCS and the fast path
---------------------
`rfc8785.dumps` is the reference, but it is pure Python and slow. For the value types this format
allows (str, int in [0, 2^53-1], bool, None, list, dict) ``json.dumps(sort_keys=True,
separators=(",", ":"), ensure_ascii=False)`` writes exactly the JCS bytes, with one exception: JCS
sorts object keys by UTF-16 code units, Python by code points, and the two orders differ only when a
key holds a character outside the BMP compared with one in U+E000..U+FFFF. So the fast path is used
whenever every key is ASCII (every key of this format is) and rfc8785 otherwise. String escaping is
identical: both escape only ``"``, ``\\`` and the C0 controls (``\\b \\f \\n \\r \\t`` short, the
rest as lowercase ``\\u00xx``) and write DEL, U+2028/U+2029 and non-BMP characters as they are.
tests/polls/test_canonical.py property-tests this claim against rfc8785.
"""

from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
import json
import re

import rfc8785

__all__ = [
    "MAX_INT",
    "JSONFormatError",
    "NotCanonical",
    "EncodingError",
    "canonical_bytes",
    "canonical_text",
    "parse_json",
    "parse_canonical",
    "b64u_encode",
    "b64u_decode",
    "b64u_decode_valid",
    "b64u_regex",
    "is_b64u",
    "sha256_hex",
    "is_hex64",
    "check_time",
    "is_time",
    "format_time",
    "parse_time",
]

#: Largest integer the format allows (the JavaScript safe-integer limit); the smallest is 0.
MAX_INT = 2**53 - 1


class JSONFormatError(ValueError):
    """Text that is not JSON of the restricted kind this format allows (floats, negative or huge
    integers, NaN, invalid UTF-8, duplicate members...). The message says what is wrong."""


class NotCanonical(JSONFormatError):
    """Valid JSON whose bytes are not the JCS form of its own parse."""


class EncodingError(ValueError):
    """A b64u, hex or time string that is not in the one canonical form the format allows."""


# --- JSON serialisation -------------------------------------------------------------------------

# One encoder/decoder each, built once: json.dumps/json.loads with keyword arguments build a new
# encoder or decoder object on every call, which costs more than the work on a short line.
_ENCODER = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False
)
_fast_dumps = _ENCODER.encode


def _check_value(obj, depth: int = 0) -> bool:
    """Check that ``obj`` holds only the value types the format allows; return True when every key
    is ASCII (so the fast serialiser is exact). Raises JSONFormatError otherwise."""
    if depth > 64:
        raise JSONFormatError("value nested more than 64 levels deep")
    t = type(obj)
    if t is str or obj is None or t is bool:
        return True
    if t is int:
        if obj < 0 or obj > MAX_INT:
            raise JSONFormatError(f"integer {obj} is outside [0, 2^53-1]")
        return True
    if t is list or t is tuple:
        ascii_keys = True
        for item in obj:
            item_keys_ascii = _check_value(item, depth + 1)
            ascii_keys = ascii_keys and item_keys_ascii
        return ascii_keys
    if t is dict:
        ascii_keys = True
        for key, value in obj.items():
            if type(key) is not str:
                raise JSONFormatError(f"object key {key!r} is not a string")
            value_keys_ascii = _check_value(value, depth + 1)
            ascii_keys = ascii_keys and value_keys_ascii and key.isascii()
        return ascii_keys
    if t is float:
        raise JSONFormatError(f"floating-point number {obj!r} is not allowed")
    raise JSONFormatError(f"value of type {t.__name__} cannot be serialised")


def canonical_text(obj) -> str:
    """Return the JCS (RFC 8785) serialisation of ``obj`` as a str.

    Requires: ``obj`` made of dict (str keys), list/tuple, str, int in [0, 2^53-1], bool, None.
    Guarantees: the result, UTF-8 encoded, equals ``rfc8785.dumps(obj)``. Raises JSONFormatError for
    any other value (floats included) and for strings that cannot be encoded (lone surrogates).
    """
    if _check_value(obj):
        text = _fast_dumps(obj)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise JSONFormatError("a string holds a lone surrogate, which UTF-8 cannot encode") from None
        return text
    return canonical_bytes(obj).decode("utf-8")


def canonical_bytes(obj) -> bytes:
    """Return JCS(obj), the RFC 8785 bytes. Same requirements and guarantees as canonical_text."""
    if _check_value(obj):
        try:
            return _fast_dumps(obj).encode("utf-8")
        except UnicodeEncodeError:
            raise JSONFormatError("a string holds a lone surrogate, which UTF-8 cannot encode") from None
    try:
        return rfc8785.dumps(obj)
    except rfc8785.CanonicalizationError as exc:
        raise JSONFormatError(str(exc)) from None


# --- JSON parsing ---------------------------------------------------------------------------------


def _parse_int(text: str) -> int:
    # The C scanner hands every integer literal here, so the range check costs no tree walk.
    if text[0] == "-":
        raise JSONFormatError(f"negative integer {text} (integers are in [0, 2^53-1])")
    value = int(text)
    if value > MAX_INT:
        raise JSONFormatError(f"integer {text} exceeds 2^53-1")
    return value


def _parse_float(text: str):
    raise JSONFormatError(f"floating-point number {text} (no floats are allowed)")


def _parse_constant(text: str):
    raise JSONFormatError(f"{text} is not JSON")


def _no_duplicates(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONFormatError(f'duplicate member "{key}"')
            seen.add(key)
    return obj


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)
_STRICT_DECODER = json.JSONDecoder(
    parse_int=_parse_int,
    parse_float=_parse_float,
    parse_constant=_parse_constant,
    object_pairs_hook=_no_duplicates,
)
#: Fast decoder for the verifier's hot path: duplicate members are not detected here, but a line
#: with one can never equal the serialisation of its parse, so the canonical check refuses it.
fast_decode = _DECODER.decode


def _decode_text(data) -> str:
    if isinstance(data, str):
        return data
    try:
        return bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JSONFormatError(f"not UTF-8 (byte {exc.start})") from None


def parse_json(data):
    """Parse JSON text (bytes in UTF-8, or str) with the format's restrictions.

    Guarantees: the result holds only dict, list, str, int in [0, 2^53-1], bool and None. Raises
    JSONFormatError for invalid UTF-8, invalid JSON, floats, NaN/Infinity, integers outside the
    range, and duplicate object members. Whitespace and member order are free (see
    parse_canonical for the canonical form).
    """
    text = _decode_text(data)
    try:
        return _STRICT_DECODER.decode(text)
    except JSONFormatError:
        raise
    except (json.JSONDecodeError, RecursionError) as exc:
        raise JSONFormatError(f"invalid JSON: {_json_error(exc)}") from None


def _json_error(exc) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at character {exc.pos}"
    return "nested too deeply"


# Characters that can make Python's key order differ from JCS's (see module docstring).
_NEEDS_UTF16_ORDER = re.compile("[\ue000-\U0010ffff]")


def parse_canonical(data):
    """Parse one board line (bytes without the trailing newline, or str) and check it is canonical.

    Guarantees: returns the parsed value when the input is byte-equal to JCS of that value; raises
    NotCanonical (with the first difference and its likely cause) when it is valid JSON but not
    canonical, and JSONFormatError for anything parse_json refuses.
    """
    text = _decode_text(data)
    try:
        obj = _DECODER.decode(text)
    except JSONFormatError:
        raise
    except (json.JSONDecodeError, RecursionError) as exc:
        raise JSONFormatError(f"invalid JSON: {_json_error(exc)}") from None
    if not is_canonical_parse(obj, text):
        raise NotCanonical(explain_not_canonical(obj, text))
    return obj


def _key_needs_utf16(obj) -> bool:
    """True when some key of ``obj`` holds a character where code-point and UTF-16 orders differ."""
    stack = [obj]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            for key, value in item.items():
                if not key.isascii() and _NEEDS_UTF16_ORDER.search(key):
                    return True
                stack.append(value)
        elif type(item) is list:
            stack.extend(item)
    return False


def is_canonical_parse(obj, text: str) -> bool:
    """True when ``text`` is exactly JCS(obj); ``obj`` must be the fast_decode parse of ``text``.

    The fast serialiser settles it unless the text holds a character at or above U+E000 (the only
    ones where Python's key order can differ from JCS's); then rfc8785 decides.
    """
    same = _fast_dumps(obj) == text
    if text.isascii() or not _NEEDS_UTF16_ORDER.search(text) or not _key_needs_utf16(obj):
        return same
    try:
        return rfc8785.dumps(obj) == text.encode("utf-8")
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        return False


def explain_not_canonical(obj, text: str) -> str:
    """A plain-English reason why ``text`` is not JCS(obj) (slow; only used on failure)."""
    try:
        _STRICT_DECODER.decode(text)
    except JSONFormatError as exc:
        return str(exc)
    except (json.JSONDecodeError, RecursionError):
        pass
    try:
        expected = canonical_text(obj)
    except JSONFormatError as exc:
        return f"not canonical JSON: {exc}"
    pos = next((i for i, (a, b) in enumerate(zip(text, expected)) if a != b), min(len(text), len(expected)))
    found = text[pos : pos + 12]
    wanted = expected[pos : pos + 12]
    in_text_order = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    if in_text_order == text:
        cause = "members are not in JCS key order"
    elif found[:1].isspace():
        cause = "whitespace outside strings"
    elif found[:1] == "\\" or wanted[:1] == "\\":
        cause = "string escaping differs"
    elif wanted[:1] == '"' and found[:1] == '"':
        cause = "members are not in JCS key order"
    else:
        cause = "not the JCS form"
    return f"not canonical JSON ({cause}): at character {pos} found {found!r}, expected {wanted!r}"


# --- Bytes, hashes, times ---------------------------------------------------------------------------

_B64U_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _b64u_pattern(n_bytes: int) -> re.Pattern:
    """A regex matching exactly the canonical unpadded b64u encodings of ``n_bytes`` bytes: the
    length is fixed and the last character carries no non-zero trailing bits."""
    full, rest = divmod(n_bytes, 3)
    chars = full * 4 + (0, 2, 3)[rest]
    if rest == 0:
        return re.compile(f"[A-Za-z0-9_-]{{{chars}}}")
    unused_bits = (0, 4, 2)[rest]
    last = "".join(c for i, c in enumerate(_B64U_ALPHABET) if i % (1 << unused_bits) == 0)
    return re.compile(f"[A-Za-z0-9_-]{{{chars - 1}}}[{re.escape(last)}]")


_B64U_PATTERNS = {n: _b64u_pattern(n) for n in (16, 32, 64)}
_B64U_ANY = re.compile("[A-Za-z0-9_-]*")


def b64u_regex(n_bytes: int) -> str:
    """The regex source (no anchors) matching exactly the canonical b64u of ``n_bytes`` bytes."""
    pattern = _B64U_PATTERNS.get(n_bytes)
    if pattern is None:
        _B64U_PATTERNS[n_bytes] = pattern = _b64u_pattern(n_bytes)
    return pattern.pattern


_PADDING = ("", "", "==", "=")


def b64u_decode_valid(value: str) -> bytes:
    """Decode b64u already known to be canonical (is_b64u held): no checks, so only for the hot
    path where the caller has matched the exact pattern."""
    # Two replace() calls: str.translate with a table is ten times slower on short strings.
    return binascii.a2b_base64(value.replace("-", "+").replace("_", "/") + _PADDING[len(value) % 4])


def b64u_encode(data: bytes) -> str:
    """Base64url without padding (RFC 4648 section 5), the format's only encoding of bytes."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def is_b64u(value, n_bytes: int) -> bool:
    """True when ``value`` is the canonical unpadded b64u encoding of exactly ``n_bytes`` bytes."""
    if type(value) is not str:
        return False
    pattern = _B64U_PATTERNS.get(n_bytes)
    if pattern is None:
        _B64U_PATTERNS[n_bytes] = pattern = _b64u_pattern(n_bytes)
    return pattern.fullmatch(value) is not None


def b64u_decode(value, n_bytes: int | None = None) -> bytes:
    """Decode canonical unpadded b64u.

    Requires: a str over ``A-Z a-z 0-9 - _``, no padding, no non-zero trailing bits, and, when
    ``n_bytes`` is given, exactly that many bytes. Raises EncodingError otherwise, so that one byte
    string has exactly one accepted name.
    """
    if type(value) is not str:
        raise EncodingError(f"expected a b64u string, found {type(value).__name__}")
    if "=" in value:
        raise EncodingError("b64u must be unpadded (found '=')")
    if _B64U_ANY.fullmatch(value) is None:
        raise EncodingError("b64u holds a character outside A-Z a-z 0-9 - _")
    if len(value) % 4 == 1:
        raise EncodingError(f"{len(value)} characters is not a possible b64u length")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):  # pragma: no cover - excluded by the checks above
        raise EncodingError("invalid b64u") from None
    if b64u_encode(raw) != value:
        raise EncodingError("b64u is not canonical (non-zero trailing bits)")
    if n_bytes is not None and len(raw) != n_bytes:
        raise EncodingError(f"expected {n_bytes} bytes in b64u, found {len(raw)}")
    return raw


def sha256_hex(data: bytes) -> str:
    """Lowercase hex SHA-256 of ``data`` (the format's H)."""
    return hashlib.sha256(data).hexdigest()


_HEX64 = re.compile("[0-9a-f]{64}")


def is_hex64(value) -> bool:
    """True for a hash as the format writes it: exactly 64 lowercase hex characters."""
    return type(value) is str and _HEX64.fullmatch(value) is not None


_TIME = re.compile("([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


def parse_time(value) -> _dt.datetime:
    """Parse ``YYYY-MM-DDTHH:MM:SSZ`` into an aware UTC datetime.

    Requires exactly that form (no fractions, no offset other than Z) and a real date and time
    (seconds 00-59: no leap second). Raises EncodingError otherwise.
    """
    match = _TIME.fullmatch(value) if type(value) is str else None
    if match is None:
        raise EncodingError(f"time {value!r} is not of the form YYYY-MM-DDTHH:MM:SSZ")
    try:
        return _dt.datetime(*map(int, match.groups()), tzinfo=_dt.UTC)
    except ValueError:
        raise EncodingError(f"time {value!r} is not a real date and time") from None


def is_time(value) -> bool:
    """True when ``value`` is a time in the format's form (see parse_time)."""
    try:
        parse_time(value)
    except EncodingError:
        return False
    return True


def check_time(value) -> None:
    """Raise EncodingError unless ``value`` is a time in the format's form."""
    parse_time(value)


def format_time(moment: _dt.datetime) -> str:
    """Format an aware datetime as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, dropping fractions.

    Requires an aware datetime (a naive one is refused: its zone would be a guess).
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("format_time needs an aware datetime")
    utc = moment.astimezone(_dt.UTC)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
