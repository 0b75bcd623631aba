"""Tally of a poll: section 3 ("Methods") of deliberate-board/1.

This module is pure: it uses only the standard library and has no Django imports, so the verifier,
the exporter and the tests can all run it alone. It validates method parameters and ballot choices,
and computes the ``tally`` and ``outcome`` objects exactly as the spec's JSON (dicts, lists, ints and
bools only; no floats).

``compute`` does its per-ballot work through C-level iterators (``Counter``, ``map``, ``chain``,
``accumulate``) and its per-option work on the few distinct keys they yield, so that a million
ballots over ten options tally in one to three seconds of CPython, whatever the method.
"""

from __future__ import annotations

import gc
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cmp_to_key, partial
from itertools import accumulate, chain, compress, repeat
from operator import itemgetter, mul, not_, or_
from typing import Any

__all__ = [
    "InvalidChoice",
    "InvalidMethod",
    "KINDS",
    "compute",
    "tie_order",
    "validate_choice",
    "validate_method",
]

MAX_INT = 2**53 - 1
YES_NO_ABSTAIN = ["yes", "no", "abstain"]

# Required and optional parameters (besides "kind") of every method. `seats` is optional exactly
# where the spec's table lists it; irv takes no parameter at all, yes-no-abstain has no seats.
_PARAMETERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "yes-no-abstain": (frozenset({"threshold", "base", "quorum"}), frozenset()),
    "plurality": (frozenset(), frozenset({"seats"})),
    "approval": (frozenset({"min", "max"}), frozenset({"seats"})),
    "dot": (frozenset({"budget"}), frozenset({"seats"})),
    "score": (frozenset({"max_score"}), frozenset({"seats"})),
    "majority-judgment": (frozenset({"grades"}), frozenset({"seats"})),
    "schulze": (frozenset(), frozenset({"seats"})),
    "irv": (frozenset(), frozenset()),
}
KINDS = tuple(_PARAMETERS)

_OPTION_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


class InvalidMethod(ValueError):
    """The method object or the option ids break section 3 (or 2.1) of the spec."""


class InvalidChoice(ValueError):
    """A ballot's choice is not valid for the poll's method."""


# --------------------------------------------------------------------------------------------------
# Validation


def _is_int(value: Any) -> bool:
    # JSON has no bools-as-ints; Python's bool subclasses int, so it must be excluded explicitly.
    return isinstance(value, int) and not isinstance(value, bool)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _check_members(obj: dict, what: str, required: frozenset[str], optional: frozenset[str]) -> None:
    missing = sorted(required - obj.keys())
    if missing:
        raise InvalidMethod(f"{what} lacks {', '.join(repr(m) for m in missing)}")
    unknown = sorted(str(k) for k in obj.keys() - required - optional)
    if unknown:
        raise InvalidMethod(f"{what} has unknown member {', '.join(repr(u) for u in unknown)}")


def _require_int(method: dict, name: str, low: int, high: int, bounds: str) -> int:
    value = method[name]
    if not _is_int(value):
        raise InvalidMethod(f"{name} must be an integer, not {type(value).__name__}")
    if not low <= value <= high:
        raise InvalidMethod(f"{name} must be {bounds}")
    return value


def _validate_option_ids(option_ids: Any) -> None:
    if not isinstance(option_ids, (list, tuple)) or not option_ids:
        raise InvalidMethod("a poll needs a list of at least one option")
    seen: set[str] = set()
    for option in option_ids:
        if not isinstance(option, str) or not _OPTION_ID.fullmatch(option):
            raise InvalidMethod(f"option id {option!r} must be 1 to 64 characters among A-Z, a-z, 0-9, '_', '.', '-'")
        if option in seen:
            raise InvalidMethod(f"option id {option!r} appears twice")
        seen.add(option)


def validate_method(method: dict, option_ids: list[str]) -> None:
    """Check a method object and the poll's option ids against the spec.

    Requires nothing of its arguments (any JSON-like values are accepted for checking).
    Guarantees, when it returns: ``option_ids`` is a non-empty list of unique ids of 1..64
    characters ``[A-Za-z0-9_.-]`` (exactly ``["yes", "no", "abstain"]`` for yes-no-abstain);
    ``method`` is a dict with a known ``kind`` and exactly the members that kind takes
    (``seats`` optional where the spec lists it), all within the spec's bounds, every integer
    a real ``int`` (never a ``bool``) in [0, 2^53-1]. Raises ``InvalidMethod`` otherwise.
    """
    _validate_option_ids(option_ids)
    if not isinstance(method, dict):
        raise InvalidMethod("the method must be an object")
    if "kind" not in method:
        raise InvalidMethod("the method lacks 'kind'")
    kind = method["kind"]
    if not isinstance(kind, str) or kind not in _PARAMETERS:
        raise InvalidMethod(f"unknown method kind {kind!r}; known kinds: {', '.join(KINDS)}")
    required, optional = _PARAMETERS[kind]
    _check_members(method, f"method {kind}", required | {"kind"}, optional)
    count = len(option_ids)

    if "seats" in method:
        _require_int(method, "seats", 1, count, f"between 1 and the number of options ({count})")

    if kind == "yes-no-abstain":
        if list(option_ids) != YES_NO_ABSTAIN:
            raise InvalidMethod('yes-no-abstain needs exactly the options "yes", "no", "abstain", in that order')
        threshold = method["threshold"]
        if not isinstance(threshold, dict):
            raise InvalidMethod('threshold must be an object {"num": n, "den": d}')
        _check_members(threshold, "threshold", frozenset({"num", "den"}), frozenset())
        den = _require_int(threshold, "den", 1, MAX_INT, "at least 1")
        _require_int(threshold, "num", 0, den - 1, f"at least 0 and less than den ({den})")
        if method["base"] not in ("cast", "eligible"):
            raise InvalidMethod('base must be "cast" or "eligible"')
        _require_int(method, "quorum", 0, MAX_INT, "at least 0")
    elif kind == "approval":
        maximum = _require_int(method, "max", 1, count, f"between 1 and the number of options ({count})")
        _require_int(method, "min", 0, maximum, f"between 0 and max ({maximum})")
    elif kind == "dot":
        _require_int(method, "budget", 1, MAX_INT, "at least 1")
    elif kind == "score":
        _require_int(method, "max_score", 1, MAX_INT, "at least 1")
    elif kind == "majority-judgment":
        grades = method["grades"]
        if not isinstance(grades, list) or not grades:
            raise InvalidMethod("grades must be a non-empty list of strings")
        if not all(isinstance(grade, str) for grade in grades):
            raise InvalidMethod("every grade must be a string")


def _require_ranking(choice: Any, option_ids: list[str]) -> None:
    if not isinstance(choice, list):
        raise InvalidChoice(f"choice must be a list of option ids, not {type(choice).__name__}")
    known = set(option_ids)
    seen: set[str] = set()
    for option in choice:
        if not isinstance(option, str) or option not in known:
            raise InvalidChoice(f"unknown option {option!r}")
        if option in seen:
            raise InvalidChoice(f"choice lists option {option!r} twice")
        seen.add(option)


def _require_option_map(choice: Any, option_ids: list[str], complete: bool) -> None:
    if not isinstance(choice, dict):
        raise InvalidChoice(f"choice must be an object keyed by option id, not {type(choice).__name__}")
    known = set(option_ids)
    for option in choice:
        if option not in known:
            raise InvalidChoice(f"unknown option {option!r}")
    if complete and len(choice) != len(known):
        missing = [option for option in option_ids if option not in choice]
        raise InvalidChoice(f"choice gives no value for option {', '.join(repr(m) for m in missing)}")


def validate_choice(method: dict, option_ids: list[str], choice: Any) -> None:
    """Check one ballot's choice against the method (spec section 3, column "choice").

    Requires ``method`` and ``option_ids`` to have passed ``validate_method``.
    Guarantees, when it returns, that ``choice`` has exactly the form the spec's table gives for
    the method: approval a strictly ascending list of known ids with min <= len <= max; dot a map
    of known ids to ints >= 1 summing to at most the budget; score and majority-judgment a map of
    every option to an int in range; schulze and irv a list of distinct known ids (possibly partial
    or empty); plurality one known id; yes-no-abstain one of "yes", "no", "abstain".
    Integers are real ints, never bools. Raises ``InvalidChoice`` otherwise.
    """
    kind = method["kind"]
    if kind == "yes-no-abstain" or kind == "plurality":
        allowed = YES_NO_ABSTAIN if kind == "yes-no-abstain" else option_ids
        if not isinstance(choice, str):
            raise InvalidChoice(f"choice must be one option id, not {type(choice).__name__}")
        if choice not in allowed:
            raise InvalidChoice(f"unknown option {choice!r}")
    elif kind == "approval":
        _require_ranking(choice, option_ids)
        if any(a > b for a, b in zip(choice, choice[1:])):
            raise InvalidChoice("choice must list the approved option ids in sorted order")
        low, high = method["min"], method["max"]
        if len(choice) > high:
            raise InvalidChoice(
                f"choice approves {_plural(len(choice), 'option')} but at most {high} "
                f"{'is' if high == 1 else 'are'} allowed"
            )
        if len(choice) < low:
            raise InvalidChoice(
                f"choice approves {_plural(len(choice), 'option')} but at least {low} "
                f"{'is' if low == 1 else 'are'} required"
            )
    elif kind == "dot":
        _require_option_map(choice, option_ids, complete=False)
        for option, points in choice.items():
            if not _is_int(points) or points < 1:
                raise InvalidChoice(f"points for option {option!r} must be an integer of at least 1, not {points!r}")
        total, budget = sum(choice.values()), method["budget"]
        if total > budget:
            raise InvalidChoice(f"choice spends {total} points but the budget is {budget}")
    elif kind == "score":
        _require_option_map(choice, option_ids, complete=True)
        high = method["max_score"]
        for option, score in choice.items():
            if not _is_int(score) or not 0 <= score <= high:
                raise InvalidChoice(f"score for option {option!r} must be an integer from 0 to {high}, not {score!r}")
    elif kind == "majority-judgment":
        _require_option_map(choice, option_ids, complete=True)
        top = len(method["grades"]) - 1
        for option, grade in choice.items():
            if not _is_int(grade) or not 0 <= grade <= top:
                raise InvalidChoice(f"grade for option {option!r} must be a grade index from 0 to {top}, not {grade!r}")
    elif kind in ("schulze", "irv"):
        _require_ranking(choice, option_ids)
    else:  # pragma: no cover - validate_method lets no other kind through
        raise InvalidMethod(f"unknown method kind {kind!r}")


# --------------------------------------------------------------------------------------------------
# Tally


def tie_order(seed: bytes, option_ids: list[str]) -> list[str]:
    """Order options for breaking ties: by ``H(seed + id utf-8)`` hex digest, ascending.

    Requires ``seed`` as bytes (``bytes.fromhex(tiebreak_seed)``). Guarantees a permutation of
    ``option_ids`` that depends only on the seed and the ids, not on their given order.
    """
    return sorted(option_ids, key=lambda option: hashlib.sha256(seed + option.encode()).hexdigest())


def compute(
    method: dict,
    option_ids: list[str],
    ballots: Iterable[tuple[Any, int]],
    *,
    seed: bytes,
    eligible_weight: int,
) -> tuple[dict, dict]:
    """Recompute a poll's ``tally`` and ``outcome`` (spec section 3).

    Requires ``ballots`` to yield ``(choice, weight)`` pairs, each choice valid for the method
    (``validate_choice``) and each weight an int >= 1, one pair per counted credential (revotes
    already weeded). ``seed`` is the revealed tie-break seed as bytes; ``eligible_weight`` is
    ``eligibility.weight`` (used by yes-no-abstain with base "eligible"). The method and option ids
    are checked with ``validate_method``.
    Guarantees ``(tally, outcome)`` shaped exactly like the spec's JSON, listing every option
    (every ordered pair, every continuing option) with zeros, built from ints, bools, str, lists
    and dicts only; ``ballots`` is consumed once.
    """
    validate_method(method, option_ids)
    with _gc_paused():
        return _compute(method, option_ids, ballots, seed, eligible_weight)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, restoring its previous state afterwards.

    Why: a tally allocates millions of small containers (tuples, iterators); each allocation burst
    triggers collections that traverse every live ballot again, which costs about a third of the
    IRV run time on a million ballots. The tally creates no reference cycles, so nothing is lost;
    memory is reclaimed by reference counting as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compute(
    method: dict, option_ids: list[str], ballots: Iterable[tuple[Any, int]], seed: bytes, eligible_weight: int
) -> tuple[dict, dict]:
    kind = method["kind"]
    if kind == "irv":
        return _irv(option_ids, ballots, tie_order(seed, option_ids))
    if kind == "yes-no-abstain":
        return _yes_no_abstain(method, ballots, eligible_weight)

    seats = method.get("seats", 1)
    order = tie_order(seed, option_ids)
    if kind == "majority-judgment":
        tally, ranking = _majority_judgment(option_ids, len(method["grades"]), ballots, order)
    elif kind == "schulze":
        tally, ranking = _schulze(option_ids, ballots, order)
    else:
        if kind == "plurality":
            tally = _plurality(option_ids, ballots)
        elif kind == "approval":
            tally = _approval(option_ids, ballots)
        elif kind == "dot":
            tally = _dot(option_ids, ballots)
        else:
            tally = _score(option_ids, ballots)
        position = {option: i for i, option in enumerate(order)}
        ranking = sorted(option_ids, key=lambda option: (-tally[option], position[option]))
    return tally, {"ranking": ranking, "winners": ranking[:seats]}


def _aggregate(ballots: Iterable[tuple[Any, int]]) -> dict:
    """Sum the weights of identical (hashable) choices: {choice: total weight}."""
    totals: dict = {}
    get = totals.get
    for choice, weight in ballots:
        totals[choice] = get(choice, 0) + weight
    return totals


def _choices_and_weights(ballots: Iterable[tuple[Any, int]]) -> tuple[list, int | None, list[int]]:
    """Split ballots into ``(choices, common weight or None, weights)``, in ballot order.

    Guarantees: when every ballot has the same weight (or there is none), that weight (or 0) is
    returned as ``common`` and ``weights`` is empty, so that callers can count in C with
    ``Counter`` and multiply once; otherwise ``weights[i]`` is the weight of ``choices[i]``.
    Keeping ballot order (rather than grouping by weight) keeps passes over the choices sequential
    in memory, which matters at a million ballots.
    """
    ballots = ballots if isinstance(ballots, list) else list(ballots)
    choices = list(map(itemgetter(0), ballots))
    distinct = set(map(itemgetter(1), ballots))
    if len(distinct) <= 1:
        return choices, (distinct.pop() if distinct else 0), []
    return choices, None, list(map(itemgetter(1), ballots))


def _item_weights(choices: list, common: int | None, weights: list[int]) -> int | Iterable[int]:
    """The weight of every item of every choice, aligned with ``chain.from_iterable(choices)``."""
    if common is not None:
        return common
    return chain.from_iterable(map(repeat, weights, map(len, choices)))


def _sum_by_key(keys: Iterable, weights: int | Iterable[int]) -> dict:
    """{key: total weight} over ``keys``, each weighted by ``weights`` (one int for all, or aligned).

    With one weight for all, the counting runs in C; otherwise in a tight loop, still far cheaper
    than grouping by weight when weights vary a lot (shares, for instance).
    """
    if isinstance(weights, int):
        counts = Counter(keys)
        if weights != 1:
            for key in counts:
                counts[key] *= weights
        return counts
    totals: dict = {}
    get = totals.get
    for key, weight in zip(keys, weights):
        totals[key] = get(key, 0) + weight
    return totals


def _yes_no_abstain(method: dict, ballots: Iterable[tuple[Any, int]], eligible_weight: int) -> tuple[dict, dict]:
    totals = _aggregate(ballots)
    tally = {answer: totals.get(answer, 0) for answer in YES_NO_ABSTAIN}
    yes, no, abstain = tally["yes"], tally["no"], tally["abstain"]
    num, den = method["threshold"]["num"], method["threshold"]["den"]
    quorum_met = yes + no + abstain >= method["quorum"]
    base = yes + no if method["base"] == "cast" else eligible_weight
    # Integer cross-multiplication: "more than num/den of the base", with no floats.
    passed = quorum_met and yes * den > num * base
    return tally, {"passed": passed, "quorum_met": quorum_met}


def _plurality(option_ids: list[str], ballots: Iterable[tuple[Any, int]]) -> dict:
    totals = _aggregate(ballots)
    return {option: totals.get(option, 0) for option in option_ids}


def _approval(option_ids: list[str], ballots: Iterable[tuple[Any, int]]) -> dict:
    choices, common, weights = _choices_and_weights(ballots)
    totals = _sum_by_key(chain.from_iterable(choices), _item_weights(choices, common, weights))
    return {option: totals.get(option, 0) for option in option_ids}


def _dot(option_ids: list[str], ballots: Iterable[tuple[Any, int]]) -> dict:
    choices, common, weights = _choices_and_weights(ballots)
    # Dot choices are sparse: count (option, points) items rather than probing every option.
    items = chain.from_iterable(map(dict.items, choices))
    tally = dict.fromkeys(option_ids, 0)
    for (option, points), weight in _sum_by_key(items, _item_weights(choices, common, weights)).items():
        tally[option] += points * weight
    return tally


def _score(option_ids: list[str], ballots: Iterable[tuple[Any, int]]) -> dict:
    choices, common, weights = _choices_and_weights(ballots)
    # Every score choice grades every option, so itemgetter never misses.
    if common is not None:
        return {option: sum(map(itemgetter(option), choices)) * common for option in option_ids}
    return {option: sum(map(mul, map(itemgetter(option), choices), weights)) for option in option_ids}


# -- majority judgment ------------------------------------------------------------------------------


def _majority_value(counts: list[int]) -> tuple[int | None, list[tuple[tuple[int, int], int]]]:
    """The majority value of a grade multiset, run-length encoded.

    Requires ``counts[g]`` = weight of grade index g. Guarantees ``(head, runs)`` such that the
    spec's majority value (repeatedly take the lower median, remove one instance) is ``[head]``
    (only when the multiset size n is odd) followed by the pairs of ``runs`` flattened, each
    ``((lower, upper), length)`` standing for ``lower, upper`` repeated ``length`` times.

    Why this shape: with the multiset sorted as x_0 <= ... <= x_{n-1} and m = n // 2, the sequence
    is x_m (n odd), then x_{m-1}, x_{m+1}, x_{m-2}, x_{m+2}, ... (n odd) or x_{m-1}, x_m, x_{m-2},
    x_{m+1}, ... (n even): the lower half read downwards interleaved with the upper half read upwards.
    Both halves are monotone, so the pairs form at most 2 * len(counts) runs even when the weights
    are astronomically large, and comparing runs never expands them.
    """
    n = sum(counts)
    m = n // 2
    lower: list[list[int]] = []  # [grade, how many] of positions 0 .. m-1, highest grade first
    upper: list[list[int]] = []  # [grade, how many] of positions n-m .. n-1, lowest grade first
    head = None
    start = 0
    for grade, count in enumerate(counts):
        end = start + count  # this grade fills sorted positions start .. end-1
        in_lower = min(end, m) - start
        if in_lower > 0:
            lower.append([grade, in_lower])
        in_upper = end - max(start, n - m)
        if in_upper > 0:
            upper.append([grade, in_upper])
        if n % 2 and start <= m < end:
            head = grade
        start = end
    lower.reverse()

    runs: list[tuple[tuple[int, int], int]] = []
    i = j = 0
    while i < len(lower):  # both halves hold m positions, so they run out together
        length = min(lower[i][1], upper[j][1])
        runs.append(((lower[i][0], upper[j][0]), length))
        lower[i][1] -= length
        upper[j][1] -= length
        i += lower[i][1] == 0
        j += upper[j][1] == 0
    return head, runs


def _compare_majority_values(a: tuple, b: tuple) -> int:
    """Lexicographic comparison (-1, 0, 1) of two run-length majority values of equal size."""
    if a[0] != b[0]:
        return -1 if a[0] < b[0] else 1
    runs_a, runs_b = a[1], b[1]
    i = j = 0
    left_a = runs_a[0][1] if runs_a else 0
    left_b = runs_b[0][1] if runs_b else 0
    while i < len(runs_a) and j < len(runs_b):
        pair_a, pair_b = runs_a[i][0], runs_b[j][0]
        if pair_a != pair_b:
            return -1 if pair_a < pair_b else 1
        step = min(left_a, left_b)
        left_a -= step
        left_b -= step
        if left_a == 0:
            i += 1
            left_a = runs_a[i][1] if i < len(runs_a) else 0
        if left_b == 0:
            j += 1
            left_b = runs_b[j][1] if j < len(runs_b) else 0
    return 0


def _majority_judgment(
    option_ids: list[str], grade_count: int, ballots: Iterable[tuple[Any, int]], order: list[str]
) -> tuple[dict, list[str]]:
    tally = {option: [0] * grade_count for option in option_ids}
    choices, common, weights = _choices_and_weights(ballots)
    # Every majority-judgment choice grades every option, so itemgetter never misses.
    for option in option_ids:
        grades = tally[option]
        if common is not None:
            for grade, count in Counter(map(itemgetter(option), choices)).items():
                grades[grade] += count * common
        else:
            for grade, weight in zip(map(itemgetter(option), choices), weights):
                grades[grade] += weight

    value = {option: _majority_value(tally[option]) for option in option_ids}
    position = {option: i for i, option in enumerate(order)}

    def better_first(a: str, b: str) -> int:
        return -_compare_majority_values(value[a], value[b]) or position[a] - position[b]

    return tally, sorted(option_ids, key=cmp_to_key(better_first))


# -- schulze -----------------------------------------------------------------------------------------


def _schulze_pairwise(option_ids: list[str], ballots: Iterable[tuple[Any, int]]) -> dict[str, dict[str, int]]:
    """pairwise[a][b] = weight of the ballots ranking a above b (ranked above unranked)."""
    n = len(option_ids)
    bit = {option: 1 << i for i, option in enumerate(option_ids)}
    to_bits = partial(map, bit.__getitem__)
    choices, common, weights = _choices_and_weights(ballots)
    complete_weights: int | list[int] = common if common is not None else []

    # Complete rankings (the common case) are cut in an ordered head and an ordered tail, one key
    # apiece: the head beats everything outside it, and within head and within tail the order
    # decides. There are few distinct heads and tails however many ballots there are.
    heads: dict[tuple, int] = {}
    tails: dict[tuple, int] = {}
    if n >= 4:  # so that both itemgetters return tuples
        is_complete = list(map(n.__eq__, map(len, choices)))
        complete = list(compress(choices, is_complete))
        if common is None:
            complete_weights = list(compress(weights, is_complete))
            weights = list(compress(weights, map(not_, is_complete)))
        choices = list(compress(choices, map(not_, is_complete)))
        heads = _sum_by_key(map(itemgetter(*range(n // 2)), complete), complete_weights)
        tails = _sum_by_key(map(itemgetter(*range(n // 2, n)), complete), complete_weights)

    # Any other ranking ranks its k-th option above every option outside its first k: one key
    # (option, bitmask of the prefix ending with it) per ranked option, prefix masks computed in C
    # by accumulate(); there are at most n * 2**(n-1) distinct keys.
    prefixes = chain.from_iterable(map(zip, choices, map(accumulate, map(to_bits, choices), repeat(or_))))
    above = _sum_by_key(prefixes, _item_weights(choices, common, weights))

    pairwise = {a: {b: 0 for b in option_ids if b != a} for a in option_ids}
    all_bits = (1 << n) - 1
    for (a, prefix), weight in above.items():
        row = pairwise[a]
        below = all_bits & ~prefix
        for b in option_ids:
            if below & bit[b]:
                row[b] += weight
    head_sets: dict[frozenset, int] = {}
    for head, weight in heads.items():
        members = frozenset(head)
        head_sets[members] = head_sets.get(members, 0) + weight
    for members, weight in head_sets.items():
        outside = [b for b in option_ids if b not in members]
        for a in members:
            row = pairwise[a]
            for b in outside:
                row[b] += weight
    for sequence, weight in chain(heads.items(), tails.items()):
        for i, a in enumerate(sequence):
            row = pairwise[a]
            for b in sequence[i + 1 :]:
                row[b] += weight
    return pairwise


def _schulze(option_ids: list[str], ballots: Iterable[tuple[Any, int]], order: list[str]) -> tuple[dict, list[str]]:
    pairwise = _schulze_pairwise(option_ids, ballots)
    n = len(option_ids)
    # Link strength: the margin when positive, else 0. Widest paths by Floyd–Warshall.
    strength = [
        [0 if i == j else max(pairwise[a][b] - pairwise[b][a], 0) for j, b in enumerate(option_ids)]
        for i, a in enumerate(option_ids)
    ]
    for k in range(n):
        row_k = strength[k]
        for i in range(n):
            row_i = strength[i]
            through = row_i[k]
            if i == k or through == 0:  # a zero link cannot widen any path
                continue
            for j in range(n):
                if j != i and j != k:
                    width = row_k[j] if row_k[j] < through else through
                    if width > row_i[j]:
                        row_i[j] = width
    beaten = {a: sum(1 for j in range(n) if strength[i][j] > strength[j][i]) for i, a in enumerate(option_ids)}
    position = {option: i for i, option in enumerate(order)}
    ranking = sorted(option_ids, key=lambda option: (-beaten[option], position[option]))
    return {"pairwise": pairwise}, ranking


# -- irv ---------------------------------------------------------------------------------------------


def _irv(option_ids: list[str], ballots: Iterable[tuple[Any, int]], order: list[str]) -> tuple[dict, dict]:
    position = {option: i for i, option in enumerate(order)}
    continuing = set(option_ids)
    is_continuing = continuing.__contains__
    ballots = ballots if isinstance(ballots, list) else list(ballots)
    # Each ballot is a cursor (an iterator over its ranking) sitting just past the option it counts
    # for. Only the ballots of an eliminated option move, each forward along its own ranking, and
    # the search for its next continuing option runs in C (next(filter(...))). "" marks an
    # exhausted ballot: option ids are never empty.
    cursors = list(map(iter, map(itemgetter(0), ballots)))
    tops = list(map(next, cursors, repeat("")))  # an empty ballot is exhausted from the first round
    piles: dict[str, tuple[list, list[int]]] = {option: ([], []) for option in option_ids}
    _deal(piles, tops, cursors, map(itemgetter(1), ballots))

    rounds: list[dict[str, int]] = []
    eliminated: list[str] = []
    while True:
        this_round = {option: sum(piles[option][1]) for option in option_ids if option in continuing}
        rounds.append(this_round)
        counted = sum(this_round.values())
        leader = max(this_round, key=this_round.__getitem__)
        if 2 * this_round[leader] > counted or len(this_round) == 1:
            return {"rounds": rounds}, {"winners": [leader], "eliminated": eliminated}

        lowest = min(this_round.values())
        loser = max((option for option, votes in this_round.items() if votes == lowest), key=position.__getitem__)
        eliminated.append(loser)
        continuing.discard(loser)
        cursors, weights = piles.pop(loser)
        tops = list(map(next, map(filter, repeat(is_continuing), cursors), repeat("")))
        _deal(piles, tops, cursors, weights)


def _deal(piles: dict[str, tuple[list, list[int]]], tops: list[str], cursors: list, weights: Iterable[int]) -> None:
    """Put each ballot's cursor and weight on the pile of the option it now counts for."""
    for top, cursor, weight in zip(tops, cursors, weights):
        if top:
            pile = piles[top]
            pile[0].append(cursor)
            pile[1].append(weight)
