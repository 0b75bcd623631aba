"""Tests of polls.core.tally against section 3 of deliberate-board/1.

Four layers: hand-made cases named for the rule they pin; refusals of validate_method and
validate_choice; property tests against a literal, slow transcription of the spec (below, `reference`)
and against pref_voting where its rules coincide with the spec's; and the published test vectors.
Nothing here imports Django.
"""

from __future__ import annotations

import gc
import hashlib
import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pref_voting.grade_methods import approval as pv_approval
from pref_voting.grade_methods import majority_judgement as pv_majority_judgement
from pref_voting.grade_methods import score_voting as pv_score_voting
from pref_voting.grade_profiles import GradeProfile
from pref_voting.iterative_methods import instant_runoff as pv_instant_runoff
from pref_voting.margin_based_methods import beat_path as pv_beat_path
from pref_voting.margin_based_methods import beat_path_defeat as pv_beat_path_defeat
from pref_voting.profiles_with_ties import ProfileWithTies
from pref_voting.scoring_methods import plurality as pv_plurality

from polls.core.tally import (
    InvalidChoice,
    InvalidMethod,
    compute,
    tie_order,
    validate_choice,
    validate_method,
)

SEED = bytes(range(32))
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def order_of(option_ids, seed=SEED):
    return tie_order(seed, option_ids)


def run(method, option_ids, ballots, *, seed=SEED, eligible_weight=0):
    """compute() with every choice first checked by validate_choice, as the verifier does."""
    for choice, _ in ballots:
        validate_choice(method, option_ids, choice)
    return compute(method, option_ids, ballots, seed=seed, eligible_weight=eligible_weight)


def seed_ordering(option_ids, wanted):
    """A seed under which tie_order(seed, option_ids) == wanted (searched, deterministic)."""
    for i in range(100_000):
        seed = i.to_bytes(4, "big")
        if tie_order(seed, option_ids) == wanted:
            return seed
    raise AssertionError(f"no seed orders {option_ids} as {wanted}")


# ------------------------------------------------------------------------------------------------
# A literal transcription of section 3, slow and obviously faithful, to check compute() against.


def reference(method, option_ids, ballots, seed, eligible_weight):
    kind = method["kind"]
    order = tie_order(seed, option_ids)
    seats = method.get("seats", 1)

    def by_tally_then_tie_order(tally):
        return sorted(option_ids, key=lambda o: (-tally[o], order.index(o)))

    if kind == "yes-no-abstain":
        tally = {"yes": 0, "no": 0, "abstain": 0}
        for choice, w in ballots:
            tally[choice] += w
        quorum_met = sum(tally.values()) >= method["quorum"]
        n, d = method["threshold"]["num"], method["threshold"]["den"]
        base = tally["yes"] + tally["no"] if method["base"] == "cast" else eligible_weight
        return tally, {"passed": quorum_met and tally["yes"] * d > n * base, "quorum_met": quorum_met}

    if kind in ("plurality", "approval", "dot", "score"):
        tally = {o: 0 for o in option_ids}
        for choice, w in ballots:
            if kind == "plurality":
                tally[choice] += w
            elif kind == "approval":
                for o in choice:
                    tally[o] += w
            else:
                for o, points in choice.items():
                    tally[o] += points * w
        ranking = by_tally_then_tie_order(tally)
        return tally, {"ranking": ranking, "winners": ranking[:seats]}

    if kind == "majority-judgment":
        tally = {o: [0] * len(method["grades"]) for o in option_ids}
        multisets = {o: [] for o in option_ids}
        for choice, w in ballots:
            for o, g in choice.items():
                tally[o][g] += w
                multisets[o].extend([g] * w)

        def majority_value(grades):
            grades, value = sorted(grades), []
            while grades:
                value.append(grades.pop((len(grades) - 1) // 2))  # the lower median
            return value

        ranking = sorted(option_ids, key=order.index)
        ranking.sort(key=lambda o: majority_value(multisets[o]), reverse=True)  # stable
        return tally, {"ranking": ranking, "winners": ranking[:seats]}

    if kind == "schulze":
        pairwise = {a: {b: 0 for b in option_ids if b != a} for a in option_ids}
        for choice, w in ballots:
            rank = {o: i for i, o in enumerate(choice)}
            for a in option_ids:
                for b in option_ids:
                    if a != b and a in rank and (b not in rank or rank[a] < rank[b]):
                        pairwise[a][b] += w
        p = {(a, b): max(pairwise[a][b] - pairwise[b][a], 0) for a in option_ids for b in option_ids if a != b}
        for i in option_ids:
            for j in option_ids:
                for k in option_ids:
                    if len({i, j, k}) == 3:
                        p[j, k] = max(p[j, k], min(p[j, i], p[i, k]))
        beaten = {a: sum(p[a, b] > p[b, a] for b in option_ids if b != a) for a in option_ids}
        ranking = sorted(option_ids, key=lambda o: (-beaten[o], order.index(o)))
        return {"pairwise": pairwise}, {"ranking": ranking, "winners": ranking[:seats]}

    if kind == "irv":
        continuing, rounds, eliminated = list(option_ids), [], []
        while True:
            counts = {o: 0 for o in continuing}
            for choice, w in ballots:
                top = next((o for o in choice if o in continuing), None)
                if top is not None:
                    counts[top] += w
            rounds.append(counts)
            total = sum(counts.values())
            majority = [o for o in continuing if 2 * counts[o] > total]
            if majority or len(continuing) == 1:
                winner = majority[0] if majority else continuing[0]
                return {"rounds": rounds}, {"winners": [winner], "eliminated": eliminated}
            lowest = min(counts.values())
            loser = max((o for o in continuing if counts[o] == lowest), key=order.index)
            eliminated.append(loser)
            continuing.remove(loser)

    raise AssertionError(kind)


# ------------------------------------------------------------------------------------------------
# Tie order


def test_tie_order_sorts_by_the_hex_sha256_of_seed_and_option_id():
    ids = ["opt-1", "opt-2", "opt-3", "opt-4", "x"]
    digests = {o: hashlib.sha256(SEED + o.encode("utf-8")).hexdigest() for o in ids}
    assert tie_order(SEED, ids) == sorted(ids, key=digests.__getitem__)


def test_tie_order_does_not_depend_on_the_given_order_of_options():
    ids = ["a", "b", "c", "d", "e"]
    assert tie_order(SEED, ids) == tie_order(SEED, list(reversed(ids)))


def test_tie_order_changes_with_the_seed():
    ids = [f"o{i}" for i in range(8)]
    assert len({tuple(tie_order(bytes([s]) * 32, ids)) for s in range(10)}) > 1


# ------------------------------------------------------------------------------------------------
# yes-no-abstain

YNA = ["yes", "no", "abstain"]
ABCD = ["a", "b", "c", "d"]


def yna(num=1, den=2, base="cast", quorum=0):
    return {"kind": "yes-no-abstain", "threshold": {"num": num, "den": den}, "base": base, "quorum": quorum}


def test_yes_no_abstain_tally_sums_weights_per_answer():
    tally, _ = run(yna(), YNA, [("yes", 2), ("no", 1), ("abstain", 5), ("yes", 1)])
    assert tally == {"yes": 3, "no": 1, "abstain": 5}


def test_simple_majority_of_cast_is_not_passed_at_exactly_half():
    _, outcome = run(yna(), YNA, [("yes", 2), ("no", 2)])
    assert outcome == {"passed": False, "quorum_met": True}


def test_simple_majority_of_cast_is_passed_above_half():
    _, outcome = run(yna(), YNA, [("yes", 3), ("no", 2)])
    assert outcome == {"passed": True, "quorum_met": True}


def test_cast_base_leaves_abstentions_out_of_the_threshold():
    _, outcome = run(yna(), YNA, [("yes", 2), ("no", 1), ("abstain", 10)])
    assert outcome["passed"] is True


def test_two_thirds_needs_more_than_two_thirds():
    assert run(yna(2, 3), YNA, [("yes", 2), ("no", 1)])[1]["passed"] is False
    assert run(yna(2, 3), YNA, [("yes", 3), ("no", 1)])[1]["passed"] is True


def test_zero_threshold_passes_with_any_yes_and_fails_without():
    assert run(yna(0, 1), YNA, [("yes", 1), ("no", 9)])[1]["passed"] is True
    assert run(yna(0, 1), YNA, [("no", 9)])[1]["passed"] is False


def test_quorum_counts_abstentions_and_is_met_at_exactly_the_quorum():
    _, outcome = run(yna(quorum=5), YNA, [("yes", 2), ("abstain", 3)])
    assert outcome == {"passed": True, "quorum_met": True}


def test_quorum_not_met_means_not_passed_even_when_unanimous():
    _, outcome = run(yna(quorum=5), YNA, [("yes", 4)])
    assert outcome == {"passed": False, "quorum_met": False}


def test_eligible_base_measures_yes_against_the_eligibility_weight():
    ballots = [("yes", 6), ("no", 1)]
    assert run(yna(base="eligible"), YNA, ballots, eligible_weight=12)[1]["passed"] is False  # exactly half
    assert run(yna(base="eligible"), YNA, ballots, eligible_weight=11)[1]["passed"] is True


def test_yes_no_abstain_without_ballots_lists_zeros_and_does_not_pass():
    assert run(yna(), YNA, []) == ({"yes": 0, "no": 0, "abstain": 0}, {"passed": False, "quorum_met": True})


# ------------------------------------------------------------------------------------------------
# plurality, approval, dot, score


def test_plurality_ranks_by_weight_and_lists_unchosen_options_as_zero():
    ids = ["a", "b", "c"]
    tally, outcome = run({"kind": "plurality"}, ids, [("b", 3), ("a", 1), ("b", 1)])
    assert tally == {"a": 1, "b": 4, "c": 0}
    assert outcome == {"ranking": ["b", "a", "c"], "winners": ["b"]}


def test_plurality_ties_are_ordered_by_tie_order():
    ids = ["a", "b", "c", "d"]
    seed = seed_ordering(ids, ["c", "a", "d", "b"])
    _, outcome = run({"kind": "plurality"}, ids, [("a", 2), ("b", 2), ("c", 2), ("d", 1)], seed=seed)
    assert outcome["ranking"] == ["c", "a", "b", "d"]


def test_approval_counts_each_approved_option_with_the_ballot_weight():
    ids = ["a", "b", "c"]
    method = {"kind": "approval", "min": 0, "max": 3}
    tally, outcome = run(method, ids, [(["a", "b"], 2), (["b"], 1), (["a", "b", "c"], 1)])
    assert tally == {"a": 3, "b": 4, "c": 1}
    assert outcome["ranking"] == ["b", "a", "c"]


def test_approval_empty_choice_is_valid_with_min_zero_and_adds_nothing():
    ids = ["a", "b"]
    tally, _ = run({"kind": "approval", "min": 0, "max": 1}, ids, [([], 5), (["b"], 1)])
    assert tally == {"a": 0, "b": 1}


def test_winners_are_the_first_seats_entries_of_the_ranking():
    ids = ["a", "b", "c", "d"]
    method = {"kind": "approval", "min": 1, "max": 4, "seats": 3}
    _, outcome = run(method, ids, [(["a", "b", "c"], 1), (["b", "c"], 1), (["c"], 1)])
    assert outcome == {"ranking": ["c", "b", "a", "d"], "winners": ["c", "b", "a"]}


def test_seats_may_equal_the_number_of_options():
    ids = ["a", "b"]
    _, outcome = run({"kind": "plurality", "seats": 2}, ids, [("b", 1)])
    assert outcome == {"ranking": ["b", "a"], "winners": ["b", "a"]}


def test_dot_tally_is_points_times_weight():
    ids = ["a", "b", "c"]
    tally, outcome = run({"kind": "dot", "budget": 5}, ids, [({"a": 3, "c": 2}, 2), ({"b": 5}, 1), ({}, 7)])
    assert tally == {"a": 6, "b": 5, "c": 4}
    assert outcome["winners"] == ["a"]


def test_score_tally_is_score_times_weight_and_zero_scores_count_nothing():
    ids = ["a", "b"]
    tally, outcome = run({"kind": "score", "max_score": 5}, ids, [({"a": 5, "b": 0}, 1), ({"a": 0, "b": 2}, 3)])
    assert tally == {"a": 5, "b": 6}
    assert outcome["ranking"] == ["b", "a"]


# ------------------------------------------------------------------------------------------------
# majority judgment

GRADES = ["reject", "poor", "fair", "good", "excellent"]


def mj(seats=None):
    method = {"kind": "majority-judgment", "grades": GRADES}
    if seats is not None:
        method["seats"] = seats
    return method


def test_majority_judgment_tally_lists_the_weight_of_every_grade_index():
    ids = ["a", "b"]
    tally, _ = run(mj(), ids, [({"a": 4, "b": 0}, 2), ({"a": 1, "b": 0}, 1)])
    assert tally == {"a": [0, 1, 0, 0, 2], "b": [3, 0, 0, 0, 0]}


def test_majority_judgment_ranks_by_the_median_grade_first():
    ids = ["a", "b"]
    ballots = [({"a": 2, "b": 4}, 1), ({"a": 2, "b": 0}, 1), ({"a": 2, "b": 1}, 1)]
    _, outcome = run(mj(), ids, ballots)  # a: 2,2,2  b: 0,1,4 (median 1)
    assert outcome["ranking"] == ["a", "b"]


def test_majority_judgment_takes_the_lower_median_of_an_even_count():
    ids = ["a", "b"]
    # a: {0, 4} -> lower median 0 (an upper or mean median would favour a); b: {1, 1} -> 1.
    _, outcome = run(mj(), ids, [({"a": 0, "b": 1}, 1), ({"a": 4, "b": 1}, 1)])
    assert outcome["ranking"] == ["b", "a"]


def test_majority_judgment_breaks_equal_medians_with_the_rest_of_the_majority_value():
    ids = ["a", "b"]
    # a: 1,2,2 -> majority value (2, 1, 2); b: 2,2,3 -> (2, 2, 3): b is higher at the second place.
    ballots = [({"a": 1, "b": 2}, 1), ({"a": 2, "b": 2}, 1), ({"a": 2, "b": 3}, 1)]
    _, outcome = run(mj(), ids, ballots)
    assert outcome["ranking"] == ["b", "a"]


def test_majority_judgment_weight_repeats_the_grade_in_the_multiset():
    ids = ["a", "b"]
    # With weight 3 on the first ballot, a's multiset is {0, 0, 0, 4, 4}: median 0, below b's 1.
    weighted = [({"a": 0, "b": 1}, 3), ({"a": 4, "b": 1}, 2)]
    _, outcome = run(mj(), ids, weighted)
    assert outcome["ranking"] == ["b", "a"]
    unrolled = [({"a": 0, "b": 1}, 1)] * 3 + [({"a": 4, "b": 1}, 1)] * 2
    assert run(mj(), ids, weighted) == run(mj(), ids, unrolled)


@pytest.mark.parametrize("low_a, low_b, high_a, high_b", [(1, 1, 3, 4), (0, 1, 4, 4)])
def test_majority_judgment_compares_majority_values_of_astronomical_weight_to_their_last_grade(
    low_a, low_b, high_a, high_b
):
    # Both options hold grade 2 with weight W and differ only in one extreme grade, which comes last
    # in the majority value: a run-length comparison must reach it without expanding 2**50 grades.
    ids = ["a", "b"]
    seed = seed_ordering(ids, ["a", "b"])  # so that only the majority values can put b first

    def ballots(weight):
        return [({"a": low_a, "b": low_b}, 1), ({"a": 2, "b": 2}, weight), ({"a": high_a, "b": high_b}, 1)]

    assert reference(mj(), ids, ballots(5), seed, 0)[1]["ranking"] == ["b", "a"]
    tally, outcome = run(mj(), ids, ballots(2**50), seed=seed)
    assert outcome["ranking"] == ["b", "a"]
    assert tally["a"][2] == 2**50


def test_majority_judgment_equal_majority_values_follow_tie_order():
    ids = ["a", "b", "c"]
    seed = seed_ordering(ids, ["c", "b", "a"])
    ballots = [({"a": 3, "b": 3, "c": 3}, 2)]
    assert run(mj(seats=2), ids, ballots, seed=seed)[1] == {"ranking": ["c", "b", "a"], "winners": ["c", "b"]}


def test_majority_judgment_without_ballots_ranks_by_tie_order():
    ids = ["a", "b", "c"]
    tally, outcome = run(mj(), ids, [])
    assert tally == {o: [0] * len(GRADES) for o in ids}
    assert outcome["ranking"] == order_of(ids)


# ------------------------------------------------------------------------------------------------
# schulze

SCHULZE = {"kind": "schulze"}


def test_schulze_pairwise_ranks_ranked_options_above_unranked_ones_and_not_unranked_between_them():
    ids = ["a", "b", "c", "d"]
    tally, _ = run(SCHULZE, ids, [(["b", "a"], 2)])
    assert tally["pairwise"] == {
        "a": {"b": 0, "c": 2, "d": 2},
        "b": {"a": 2, "c": 2, "d": 2},
        "c": {"a": 0, "b": 0, "d": 0},
        "d": {"a": 0, "b": 0, "c": 0},
    }


def test_schulze_empty_ballots_list_every_ordered_pair_as_zero_and_rank_by_tie_order():
    ids = ["a", "b", "c"]
    tally, outcome = run(SCHULZE, ids, [([], 3)])
    assert tally == {"pairwise": {a: {b: 0 for b in ids if b != a} for a in ids}}
    assert outcome["ranking"] == order_of(ids)


def test_schulze_resolves_the_classic_cycle_by_widest_paths():
    # The 45-voter example of Schulze's method on Wikipedia: E > A > C > B > D.
    profile = {"ACBED": 5, "ADECB": 5, "BEDAC": 8, "CABED": 3, "CAEBD": 7, "CBADE": 2, "DCEBA": 7, "EBADC": 8}
    ballots = [(list(ranking), weight) for ranking, weight in profile.items()]
    _, outcome = run(SCHULZE, list("ABCDE"), ballots)
    assert outcome == {"ranking": list("EACBD"), "winners": ["E"]}


def test_schulze_link_strength_is_the_margin_not_the_winning_votes():
    # Cycle a > c > b > a. Margins: a>c 1, c>b 2, b>a 3 -> c wins; winning votes would elect b.
    ids = ["a", "b", "c", "d"]
    ballots = [(["a"], 3), (["b", "a"], 2), (["c", "b", "d"], 4)]
    tally, outcome = run(SCHULZE, ids, ballots)
    assert (tally["pairwise"]["a"]["c"], tally["pairwise"]["c"]["a"]) == (5, 4)
    assert outcome["winners"] == ["c"]
    assert outcome["ranking"][:2] == ["c", "b"]


def test_schulze_options_beating_as_many_follow_tie_order():
    ids = ["a", "b", "c"]
    seed = seed_ordering(ids, ["b", "c", "a"])
    # A perfect three-way cycle of equal margins: nobody beats anybody.
    ballots = [(["a", "b", "c"], 1), (["b", "c", "a"], 1), (["c", "a", "b"], 1)]
    _, outcome = run({"kind": "schulze", "seats": 2}, ids, ballots, seed=seed)
    assert outcome == {"ranking": ["b", "c", "a"], "winners": ["b", "c"]}


def test_schulze_counts_complete_and_partial_rankings_alike():
    # A ranking of n-1 options says the same as the complete ranking ending with the missing one.
    ids = ["a", "b", "c", "d", "e"]
    partial = [(["e", "c", "a", "d"], 2), (["b", "a", "d", "c"], 1)]
    complete = [(["e", "c", "a", "d", "b"], 2), (["b", "a", "d", "c", "e"], 1)]
    assert run(SCHULZE, ids, partial) == run(SCHULZE, ids, complete)


# ------------------------------------------------------------------------------------------------
# irv

IRV = {"kind": "irv"}


def test_irv_majority_in_the_first_round_wins_at_once():
    ids = ["a", "b", "c"]
    tally, outcome = run(IRV, ids, [(["a"], 3), (["b", "a"], 2)])
    assert tally == {"rounds": [{"a": 3, "b": 2, "c": 0}]}
    assert outcome == {"winners": ["a"], "eliminated": []}


def test_irv_transfers_the_eliminated_option_ballots_to_their_next_continuing_choice():
    ids = ["a", "b", "c"]
    ballots = [(["a"], 4), (["b"], 3), (["c", "b"], 2)]
    tally, outcome = run(IRV, ids, ballots)
    assert tally == {"rounds": [{"a": 4, "b": 3, "c": 2}, {"a": 4, "b": 5}]}
    assert outcome == {"winners": ["b"], "eliminated": ["c"]}


def test_irv_eliminates_the_tied_lowest_option_that_comes_last_in_tie_order():
    ids = ["a", "b", "c"]
    ballots = [(["a"], 3), (["b"], 2), (["c"], 2)]
    for order in (["a", "b", "c"], ["a", "c", "b"]):
        tally, outcome = run(IRV, ids, ballots, seed=seed_ordering(ids, order))
        assert tally["rounds"][0] == {"a": 3, "b": 2, "c": 2}
        assert outcome["eliminated"][0] == order[-1]


def test_irv_skips_options_already_eliminated_when_transferring():
    ids = ["a", "b", "c", "d"]
    seed = seed_ordering(ids, ["a", "b", "c", "d"])
    ballots = [(["a"], 5), (["b"], 4), (["c", "b"], 3), (["d", "c", "b"], 1)]
    tally, outcome = run(IRV, ids, ballots, seed=seed)
    # d out (its ballot -> c), then c out (tied with b, later in tie order): that ballot skips d,
    # eliminated, and lands on b.
    assert tally["rounds"] == [
        {"a": 5, "b": 4, "c": 3, "d": 1},
        {"a": 5, "b": 4, "c": 4},
        {"a": 5, "b": 8},
    ]
    assert outcome == {"winners": ["b"], "eliminated": ["d", "c"]}


def test_irv_majority_is_of_the_round_counted_weight_not_of_all_ballots():
    ids = ["a", "b", "c"]
    # c out; its ballots are exhausted: round 2 counts 5, and a's 3 is a majority of it.
    ballots = [(["a"], 3), (["b"], 2), (["c"], 1), (["c"], 1)]
    seed = seed_ordering(ids, ["a", "b", "c"])
    tally, outcome = run(IRV, ids, ballots, seed=seed)
    assert tally["rounds"] == [{"a": 3, "b": 2, "c": 2}, {"a": 3, "b": 2}]
    assert outcome == {"winners": ["a"], "eliminated": ["c"]}


def test_irv_exactly_half_is_not_a_majority():
    ids = ["a", "b", "c"]
    seed = seed_ordering(ids, ["c", "b", "a"])
    tally, outcome = run(IRV, ids, [(["a"], 2), (["b"], 1), (["c"], 1)], seed=seed)
    assert len(tally["rounds"]) == 2  # a's 2 of 4 did not win round 1
    assert outcome["eliminated"] == ["b"]


def test_irv_empty_ballot_is_exhausted_from_the_first_round():
    ids = ["a", "b"]
    tally, outcome = run(IRV, ids, [([], 10), (["b"], 1)])
    assert tally == {"rounds": [{"a": 0, "b": 1}]}
    assert outcome == {"winners": ["b"], "eliminated": []}


def test_irv_rounds_list_every_continuing_option_including_zeros():
    ids = ["a", "b", "c", "d"]
    seed = seed_ordering(ids, ["a", "b", "c", "d"])
    tally, outcome = run(IRV, ids, [(["a", "b"], 2), (["b", "a"], 2)], seed=seed)
    assert tally["rounds"] == [
        {"a": 2, "b": 2, "c": 0, "d": 0},
        {"a": 2, "b": 2, "c": 0},
        {"a": 2, "b": 2},
        {"a": 4},
    ]
    assert outcome == {"winners": ["a"], "eliminated": ["d", "c", "b"]}


def test_irv_last_continuing_option_wins_even_with_no_counted_weight():
    ids = ["a", "b", "c"]
    seed = seed_ordering(ids, ["b", "a", "c"])
    tally, outcome = run(IRV, ids, [([], 1)], seed=seed)
    assert tally["rounds"] == [{"a": 0, "b": 0, "c": 0}, {"a": 0, "b": 0}, {"b": 0}]
    assert outcome == {"winners": ["b"], "eliminated": ["c", "a"]}


def test_irv_with_a_single_option():
    assert run(IRV, ["only"], [(["only"], 2)]) == ({"rounds": [{"only": 2}]}, {"winners": ["only"], "eliminated": []})


# ------------------------------------------------------------------------------------------------
# Output form


def json_only(value):
    if isinstance(value, dict):
        return all(isinstance(k, str) and json_only(v) for k, v in value.items())
    if isinstance(value, list):
        return all(map(json_only, value))
    return type(value) in (str, int, bool)


@pytest.mark.parametrize(
    "method, ids, ballots",
    [
        (yna(), YNA, [("yes", 1)]),
        ({"kind": "plurality"}, ["a", "b"], [("a", 1)]),
        ({"kind": "approval", "min": 0, "max": 2}, ["a", "b"], [(["a"], 1)]),
        ({"kind": "dot", "budget": 3}, ["a", "b"], [({"a": 3}, 2)]),
        ({"kind": "score", "max_score": 3}, ["a", "b"], [({"a": 3, "b": 1}, 2)]),
        (mj(), ["a", "b"], [({"a": 3, "b": 1}, 2)]),
        (SCHULZE, ["a", "b", "c", "d"], [(["a", "b", "c", "d"], 2), (["c"], 1)]),
        (IRV, ["a", "b"], [(["b", "a"], 1)]),
    ],
)
def test_tally_and_outcome_are_plain_json_values_with_no_floats(method, ids, ballots):
    tally, outcome = run(method, ids, ballots)
    assert json_only(tally) and json_only(outcome)
    assert json.loads(json.dumps([tally, outcome])) == [tally, outcome]


@pytest.mark.parametrize("method", [SCHULZE, IRV, {"kind": "approval", "min": 0, "max": 4}])
def test_compute_accepts_a_one_shot_iterator_of_ballots(method):
    ids = ["a", "b", "c", "d"]
    ballots = [(["a", "b", "c", "d"], 1), (["b"], 2), (["c", "d"], 1)]
    assert compute(method, ids, iter(ballots), seed=SEED, eligible_weight=0) == run(method, ids, ballots)


@pytest.mark.parametrize("enabled", [True, False])
def test_compute_leaves_the_garbage_collector_as_it_found_it(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        compute(IRV, ["a", "b"], [(["a"], 1)], seed=SEED, eligible_weight=0)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_compute_rejects_an_invalid_method():
    with pytest.raises(InvalidMethod):
        compute({"kind": "borda"}, ["a"], [], seed=SEED, eligible_weight=0)


# ------------------------------------------------------------------------------------------------
# validate_method


@pytest.mark.parametrize(
    "method, ids",
    [
        (yna(), YNA),
        (yna(2, 3, "eligible", 10), YNA),
        ({"kind": "plurality"}, ["a"]),
        ({"kind": "plurality", "seats": 2}, ["a", "b"]),
        ({"kind": "approval", "min": 0, "max": 1}, ["a", "b"]),
        ({"kind": "approval", "min": 2, "max": 2, "seats": 1}, ["a", "b"]),
        ({"kind": "dot", "budget": 1}, ["a"]),
        ({"kind": "score", "max_score": 10, "seats": 1}, ["a.b", "c_d", "E-9"]),
        ({"kind": "majority-judgment", "grades": ["bad"]}, ["a"]),
        ({"kind": "schulze"}, ["x" * 64]),
        ({"kind": "irv"}, ["a", "b"]),
    ],
)
def test_validate_method_accepts_methods_within_the_spec(method, ids):
    validate_method(method, ids)


@pytest.mark.parametrize(
    "method, ids, message",
    [
        ({"kind": "borda"}, ["a"], "unknown method kind"),
        ({"seats": 1}, ["a"], "the method lacks 'kind'"),
        ({"kind": ["irv"]}, ["a"], "unknown method kind"),
        ("plurality", ["a"], "must be an object"),
        ({"kind": "plurality"}, [], "at least one option"),
        ({"kind": "plurality"}, ["a", "a"], "appears twice"),
        ({"kind": "plurality"}, [""], "1 to 64 characters"),
        ({"kind": "plurality"}, ["x" * 65], "1 to 64 characters"),
        ({"kind": "plurality"}, ["a b"], "1 to 64 characters"),
        ({"kind": "plurality"}, ["é"], "1 to 64 characters"),
        ({"kind": "plurality"}, ["a\n"], "1 to 64 characters"),
        ({"kind": "plurality"}, [1], "1 to 64 characters"),
        ({"kind": "plurality", "seats": 0}, ["a"], "seats must be between 1 and the number of options (1)"),
        ({"kind": "plurality", "seats": 3}, ["a", "b"], "seats must be between 1 and the number of options (2)"),
        ({"kind": "plurality", "seats": True}, ["a"], "seats must be an integer"),
        ({"kind": "plurality", "seats": 1.0}, ["a"], "seats must be an integer"),
        ({"kind": "plurality", "extra": 1}, ["a"], "unknown member 'extra'"),
        ({"kind": "irv", "seats": 1}, ["a"], "unknown member 'seats'"),
        ({"kind": "approval", "max": 1}, ["a"], "lacks 'min'"),
        ({"kind": "approval", "min": 0, "max": 0}, ["a"], "max must be between 1 and the number of options (1)"),
        ({"kind": "approval", "min": 0, "max": 5}, ABCD, "max must be between 1 and the number of options (4)"),
        ({"kind": "approval", "min": 3, "max": 2}, ["a", "b", "c"], "min must be between 0 and max (2)"),
        ({"kind": "approval", "min": -1, "max": 2}, ["a", "b"], "min must be between 0 and max"),
        ({"kind": "approval", "min": False, "max": 1}, ["a"], "min must be an integer"),
        ({"kind": "dot", "budget": 0}, ["a"], "budget must be at least 1"),
        ({"kind": "dot", "budget": 2**53}, ["a"], "budget must be at least 1"),
        ({"kind": "dot", "budget": "3"}, ["a"], "budget must be an integer"),
        ({"kind": "score", "max_score": 0}, ["a"], "max_score must be at least 1"),
        ({"kind": "score", "max_score": True}, ["a"], "max_score must be an integer"),
        ({"kind": "majority-judgment", "grades": []}, ["a"], "non-empty list of strings"),
        ({"kind": "majority-judgment", "grades": "abc"}, ["a"], "non-empty list of strings"),
        ({"kind": "majority-judgment", "grades": ["ok", 2]}, ["a"], "every grade must be a string"),
        ({"kind": "majority-judgment"}, ["a"], "lacks 'grades'"),
        (yna(), ["no", "yes", "abstain"], "exactly the options"),
        (yna(), ["yes", "no"], "exactly the options"),
        ({**yna(), "seats": 1}, YNA, "unknown member 'seats'"),
        ({**yna(), "threshold": {"num": 1, "den": 0}}, YNA, "den must be at least 1"),
        ({**yna(), "threshold": {"num": 2, "den": 2}}, YNA, "num must be at least 0 and less than den (2)"),
        ({**yna(), "threshold": {"num": -1, "den": 2}}, YNA, "num must be at least 0"),
        ({**yna(), "threshold": {"num": 1, "den": 2, "x": 0}}, YNA, "threshold has unknown member 'x'"),
        ({**yna(), "threshold": {"num": 1}}, YNA, "threshold lacks 'den'"),
        ({**yna(), "threshold": [1, 2]}, YNA, "threshold must be an object"),
        ({**yna(), "threshold": {"num": True, "den": 2}}, YNA, "num must be an integer"),
        ({**yna(), "base": "present"}, YNA, 'base must be "cast" or "eligible"'),
        ({**yna(), "quorum": -1}, YNA, "quorum must be at least 0"),
        ({**yna(), "quorum": 1.5}, YNA, "quorum must be an integer"),
        ({"kind": "yes-no-abstain", "threshold": {"num": 1, "den": 2}, "base": "cast"}, YNA, "lacks 'quorum'"),
    ],
)
def test_validate_method_refuses_what_the_spec_forbids(method, ids, message):
    with pytest.raises(InvalidMethod) as refused:
        validate_method(method, ids)
    assert message in str(refused.value)


# ------------------------------------------------------------------------------------------------
# validate_choice

APPROVAL_1_2 = {"kind": "approval", "min": 1, "max": 2}


@pytest.mark.parametrize(
    "method, ids, choice",
    [
        (yna(), YNA, "abstain"),
        ({"kind": "plurality"}, ABCD, "d"),
        (APPROVAL_1_2, ABCD, ["a", "d"]),
        ({"kind": "approval", "min": 0, "max": 2}, ABCD, []),
        ({"kind": "approval", "min": 0, "max": 4}, ["B", "a", "b"], ["B", "a", "b"]),  # code point order
        ({"kind": "dot", "budget": 5}, ABCD, {"a": 2, "c": 3}),
        ({"kind": "dot", "budget": 5}, ABCD, {}),
        ({"kind": "score", "max_score": 3}, ABCD, {"a": 0, "b": 3, "c": 1, "d": 2}),
        (mj(), ["a", "b"], {"a": 0, "b": 4}),
        (SCHULZE, ABCD, ["d", "a"]),
        (SCHULZE, ABCD, []),
        (IRV, ABCD, ["c", "b", "a", "d"]),
        (IRV, ABCD, []),
    ],
)
def test_validate_choice_accepts_choices_of_the_spec_form(method, ids, choice):
    validate_choice(method, ids, choice)


@pytest.mark.parametrize(
    "method, ids, choice, message",
    [
        (yna(), YNA, "maybe", "unknown option 'maybe'"),
        (yna(), YNA, ["yes"], "choice must be one option id"),
        ({"kind": "plurality"}, ABCD, "x", "unknown option 'x'"),
        ({"kind": "plurality"}, ABCD, None, "choice must be one option id"),
        ({"kind": "plurality"}, ABCD, ["a"], "choice must be one option id"),
        (APPROVAL_1_2, ABCD, ["a", "b", "c"], "choice approves 3 options but at most 2 are allowed"),
        (APPROVAL_1_2, ABCD, [], "choice approves 0 options but at least 1 is required"),
        (APPROVAL_1_2, ABCD, ["b", "a"], "sorted order"),
        (APPROVAL_1_2, ABCD, ["a", "a"], "lists option 'a' twice"),
        (APPROVAL_1_2, ABCD, ["x"], "unknown option 'x'"),
        (APPROVAL_1_2, ABCD, [1], "unknown option 1"),
        (APPROVAL_1_2, ABCD, "a", "must be a list"),
        (APPROVAL_1_2, ABCD, {"a": 1}, "must be a list"),
        ({"kind": "dot", "budget": 5}, ABCD, {"a": 3, "b": 3}, "choice spends 6 points but the budget is 5"),
        ({"kind": "dot", "budget": 5}, ABCD, {"a": 0}, "points for option 'a' must be an integer of at least 1"),
        ({"kind": "dot", "budget": 5}, ABCD, {"a": True}, "points for option 'a' must be an integer of at least 1"),
        ({"kind": "dot", "budget": 5}, ABCD, {"a": 1.0}, "points for option 'a' must be an integer"),
        ({"kind": "dot", "budget": 5}, ABCD, {"x": 1}, "unknown option 'x'"),
        ({"kind": "dot", "budget": 5}, ABCD, [["a", 1]], "must be an object"),
        ({"kind": "score", "max_score": 3}, ABCD, {"a": 1, "b": 1, "c": 1}, "no value for option 'd'"),
        ({"kind": "score", "max_score": 3}, ABCD, {"a": 4, "b": 1, "c": 1, "d": 0}, "from 0 to 3"),
        ({"kind": "score", "max_score": 3}, ABCD, {"a": -1, "b": 1, "c": 1, "d": 0}, "from 0 to 3"),
        ({"kind": "score", "max_score": 3}, ABCD, {"a": True, "b": 1, "c": 1, "d": 0}, "score for option 'a'"),
        ({"kind": "score", "max_score": 3}, ABCD, {"a": 1, "b": 1, "c": 1, "d": 0, "e": 0}, "unknown option 'e'"),
        (mj(), ["a", "b"], {"a": 5, "b": 0}, "grade index from 0 to 4"),
        (mj(), ["a", "b"], {"a": "good", "b": 0}, "grade for option 'a'"),
        (mj(), ["a", "b"], {"a": False, "b": 0}, "grade for option 'a'"),
        (mj(), ["a", "b"], {"b": 0}, "no value for option 'a'"),
        (SCHULZE, ABCD, ["a", "b", "a"], "lists option 'a' twice"),
        (SCHULZE, ABCD, ["a", "z"], "unknown option 'z'"),
        (SCHULZE, ABCD, "a", "must be a list"),
        (SCHULZE, ABCD, [["a"]], "unknown option"),
        (IRV, ABCD, ["b", "b"], "lists option 'b' twice"),
        (IRV, ABCD, {"a": 1}, "must be a list"),
    ],
)
def test_validate_choice_refuses_choices_outside_the_spec(method, ids, choice, message):
    with pytest.raises(InvalidChoice) as refused:
        validate_choice(method, ids, choice)
    assert message in str(refused.value)


# ------------------------------------------------------------------------------------------------
# Property tests against the literal transcription of the spec

ID_CHARS = string.ascii_letters + string.digits + "_.-"
option_ids_strategy = st.lists(st.text(ID_CHARS, min_size=1, max_size=5), min_size=1, max_size=7, unique=True)


@st.composite
def rankings(draw, ids):
    """A ranking of distinct ids, complete about half the time (the tally has a path of its own for those)."""
    order = draw(st.permutations(ids))
    return list(order[: draw(st.just(len(ids)) | st.integers(0, len(ids)))])


ALL_KINDS = ("yes-no-abstain", "plurality", "approval", "dot", "score", "majority-judgment", "schulze", "irv")


@st.composite
def polls(draw, kinds=ALL_KINDS, max_ballots=14, max_weight=4):
    """(method, option_ids, ballots, seed, eligible_weight), ballots valid for the method."""
    kind = draw(st.sampled_from(kinds))
    ids = YNA if kind == "yes-no-abstain" else draw(option_ids_strategy)
    n = len(ids)
    method = {"kind": kind}
    if kind not in ("yes-no-abstain", "irv") and draw(st.booleans()):
        method["seats"] = draw(st.integers(1, n))
    if kind == "yes-no-abstain":
        den = draw(st.integers(1, 5))
        method.update(
            threshold={"num": draw(st.integers(0, den - 1)), "den": den},
            base=draw(st.sampled_from(["cast", "eligible"])),
            quorum=draw(st.integers(0, 20)),
        )
    elif kind == "approval":
        method["max"] = draw(st.integers(1, n))
        method["min"] = draw(st.integers(0, method["max"]))
    elif kind == "dot":
        method["budget"] = draw(st.integers(1, 8))
    elif kind == "score":
        method["max_score"] = draw(st.integers(1, 6))
    elif kind == "majority-judgment":
        method["grades"] = [f"g{i}" for i in range(draw(st.integers(1, 5)))]

    def choice():
        if kind == "yes-no-abstain":
            return st.sampled_from(YNA)
        if kind == "plurality":
            return st.sampled_from(ids)
        if kind == "approval":
            approved = st.lists(st.sampled_from(ids), min_size=method["min"], max_size=method["max"], unique=True)
            return approved.map(sorted)
        if kind == "dot":
            budget = method["budget"]
            return st.dictionaries(st.sampled_from(ids), st.integers(1, budget), max_size=n).filter(
                lambda c: sum(c.values()) <= budget
            )
        if kind == "score":
            return st.fixed_dictionaries({o: st.integers(0, method["max_score"]) for o in ids})
        if kind == "majority-judgment":
            return st.fixed_dictionaries({o: st.integers(0, len(method["grades"]) - 1) for o in ids})
        return rankings(ids)

    weight = st.just(draw(st.integers(1, max_weight))) if draw(st.booleans()) else st.integers(1, max_weight)
    ballots = draw(st.lists(st.tuples(choice(), weight), max_size=max_ballots))
    total = sum(w for _, w in ballots)
    eligible_weight = total + draw(st.integers(0, 10))
    return method, ids, ballots, draw(st.binary(min_size=32, max_size=32)), eligible_weight


@PROPERTY_SETTINGS
@given(polls())
def test_compute_agrees_with_a_literal_transcription_of_the_spec(case):
    method, ids, ballots, seed, eligible_weight = case
    for choice, _ in ballots:
        validate_choice(method, ids, choice)
    expected = reference(method, ids, ballots, seed, eligible_weight)
    assert compute(method, ids, ballots, seed=seed, eligible_weight=eligible_weight) == expected


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polls(kinds=("schulze", "irv", "majority-judgment", "approval"), max_ballots=80, max_weight=3))
def test_compute_agrees_with_the_transcription_on_larger_profiles(case):
    # Long enough for every counting path: complete rankings cut in head and tail, partial rankings,
    # one weight shared by all ballots or weights that vary.
    method, ids, ballots, seed, eligible_weight = case
    assert compute(method, ids, ballots, seed=seed, eligible_weight=eligible_weight) == reference(
        method, ids, ballots, seed, eligible_weight
    )


@PROPERTY_SETTINGS
@given(polls(kinds=("approval", "dot", "score", "majority-judgment", "schulze", "irv")), st.integers(2, 4))
def test_a_weight_counts_as_that_many_identical_ballots(case, factor):
    method, ids, ballots, seed, eligible_weight = case
    scaled = [(choice, w * factor) for choice, w in ballots]
    unrolled = [(choice, w) for choice, w in ballots for _ in range(factor)]
    assert compute(method, ids, scaled, seed=seed, eligible_weight=0) == compute(
        method, ids, unrolled, seed=seed, eligible_weight=0
    )


@PROPERTY_SETTINGS
@given(polls(kinds=ALL_KINDS[1:]))
def test_compute_neither_mutates_choices_nor_minds_them_being_shared(case):
    # The verifier hands compute one parsed object per distinct choice text, shared by its ballots.
    method, ids, ballots, seed, eligible_weight = case
    snapshot = json.dumps(ballots)
    doubled = ballots + ballots  # the same choice objects, twice each
    copies = json.loads(json.dumps(doubled))
    result = compute(method, ids, doubled, seed=seed, eligible_weight=eligible_weight)
    assert json.dumps(ballots) == snapshot
    assert result == compute(method, ids, [tuple(b) for b in copies], seed=seed, eligible_weight=eligible_weight)


# ------------------------------------------------------------------------------------------------
# Property tests against pref_voting, where its rules coincide with the spec's

PV_SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def small_id_lists(min_size=2, max_size=5):
    return st.lists(st.text(ID_CHARS, min_size=1, max_size=4), min_size=min_size, max_size=max_size, unique=True)


small_ids = small_id_lists()


@st.composite
def ranking_profiles(draw, min_ballots=1, max_ballots=10, max_weight=5, min_options=2):
    ids = draw(small_id_lists(min_size=min_options))
    ballots = draw(
        st.lists(st.tuples(rankings(ids), st.integers(1, max_weight)), min_size=min_ballots, max_size=max_ballots)
    )
    return ids, ballots, draw(st.binary(min_size=32, max_size=32))


def profile_with_ties(ids, ballots):
    """pref_voting's profile of the ballots: candidates are option indices, unranked tie below ranked."""
    index = {o: i for i, o in enumerate(ids)}
    profile = ProfileWithTies(
        [{index[o]: rank + 1 for rank, o in enumerate(choice)} for choice, _ in ballots],
        rcounts=[w for _, w in ballots],
        candidates=list(range(len(ids))),
    )
    profile.use_extended_strict_preference()  # a ranked option is above every unranked one
    return profile


@PV_SETTINGS
@given(ranking_profiles())
def test_schulze_pairwise_equals_pref_voting_support_with_extended_strict_preference(case):
    ids, ballots, seed = case
    tally, _ = compute(SCHULZE, ids, ballots, seed=seed, eligible_weight=0)
    profile = profile_with_ties(ids, ballots)
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if a != b:
                assert tally["pairwise"][a][b] == profile.support(i, j)


@PV_SETTINGS
@given(ranking_profiles())
def test_schulze_defeats_equal_pref_voting_beat_path_with_margins(case):
    # pref_voting's beat path uses margins by default (strength_function = margin), as the spec does;
    # its defeat relation must give exactly our ranking by number beaten, then tie order.
    ids, ballots, seed = case
    _, outcome = compute(SCHULZE, ids, ballots, seed=seed, eligible_weight=0)
    profile = profile_with_ties(ids, ballots)
    defeats = pv_beat_path_defeat(profile)
    beaten = {a: defeats.out_degree(i) for i, a in enumerate(ids)}
    order = tie_order(seed, ids)
    assert outcome["ranking"] == sorted(ids, key=lambda o: (-beaten[o], order.index(o)))
    assert ids.index(outcome["winners"][0]) in pv_beat_path(profile)


def irv_elimination_had_a_tie(tally):
    return any(list(round_.values()).count(min(round_.values())) > 1 for round_ in tally["rounds"][:-1])


@PV_SETTINGS
@given(ranking_profiles(min_ballots=4, max_ballots=14, max_weight=50, min_options=3))
def test_irv_winner_equals_pref_voting_instant_runoff_when_no_elimination_ties(case):
    ids, ballots, seed = case
    tally, outcome = compute(IRV, ids, ballots, seed=seed, eligible_weight=0)
    assume(not irv_elimination_had_a_tie(tally))
    winners = pv_instant_runoff(profile_with_ties(ids, ballots))
    assert [ids[i] for i in winners] == outcome["winners"]


@PV_SETTINGS
@given(ranking_profiles())
def test_irv_winner_equals_pref_voting_instant_runoff_given_the_reverse_tie_order(case):
    # pref_voting eliminates tie_breaker[0] first among the tied lowest; the spec eliminates the one
    # that comes last in tie order, so the two agree with the reversed tie order, ties included.
    ids, ballots, seed = case
    _, outcome = compute(IRV, ids, ballots, seed=seed, eligible_weight=0)
    reverse_order = [ids.index(o) for o in reversed(tie_order(seed, ids))]
    winners = pv_instant_runoff(profile_with_ties(ids, ballots), tie_breaker=reverse_order)
    assert [ids[i] for i in winners] == outcome["winners"]


@st.composite
def grade_profiles(draw, grades):
    ids = draw(small_ids)
    grade = st.integers(0, grades - 1)
    ballots = draw(
        st.lists(st.tuples(st.fixed_dictionaries({o: grade for o in ids}), st.integers(1, 5)), min_size=1, max_size=10)
    )
    return ids, ballots, draw(st.binary(min_size=32, max_size=32))


def grade_profile(ids, ballots, grades):
    return GradeProfile(
        [{ids.index(o): g for o, g in choice.items()} for choice, _ in ballots],
        list(range(grades)),
        gcounts=[w for _, w in ballots],
        candidates=list(range(len(ids))),
    )


def top_set(tally, ids):
    best = max(tally.values())
    return {i for i, o in enumerate(ids) if tally[o] == best}


@PV_SETTINGS
@given(st.data())
def test_score_totals_and_winners_equal_pref_voting_score_voting(data):
    max_score = data.draw(st.integers(1, 5))
    ids, ballots, seed = data.draw(grade_profiles(max_score + 1))
    tally, outcome = compute({"kind": "score", "max_score": max_score}, ids, ballots, seed=seed, eligible_weight=0)
    profile = grade_profile(ids, ballots, max_score + 1)
    assert {o: int(profile.sum(i)) for i, o in enumerate(ids)} == tally
    assert set(pv_score_voting(profile)) == top_set(tally, ids)
    assert ids.index(outcome["winners"][0]) in top_set(tally, ids)


@PV_SETTINGS
@given(st.data())
def test_approval_totals_and_winners_equal_pref_voting_approval(data):
    ids = data.draw(small_ids)
    approvals = st.lists(st.sampled_from(ids), unique=True).map(sorted)
    ballots = data.draw(st.lists(st.tuples(approvals, st.integers(1, 5)), min_size=1, max_size=10))
    seed = data.draw(st.binary(min_size=32, max_size=32))
    method = {"kind": "approval", "min": 0, "max": len(ids)}
    tally, outcome = compute(method, ids, ballots, seed=seed, eligible_weight=0)
    as_grades = [({o: int(o in choice) for o in ids}, w) for choice, w in ballots]
    profile = grade_profile(ids, as_grades, 2)
    assert {o: int(profile.sum(i)) for i, o in enumerate(ids)} == tally
    assert set(pv_approval(profile)) == top_set(tally, ids)
    order = tie_order(seed, ids)
    assert outcome["winners"] == [min((ids[i] for i in top_set(tally, ids)), key=order.index)]


@PV_SETTINGS
@given(st.data())
def test_plurality_totals_and_winners_equal_pref_voting_plurality(data):
    ids = data.draw(small_ids)
    ballots = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.integers(1, 5)), min_size=1, max_size=10))
    seed = data.draw(st.binary(min_size=32, max_size=32))
    tally, outcome = compute({"kind": "plurality"}, ids, ballots, seed=seed, eligible_weight=0)
    profile = profile_with_ties(ids, [([c], w) for c, w in ballots])  # each ballot ranks its choice only
    assert {o: int(profile.plurality_scores()[i]) for i, o in enumerate(ids)} == tally
    assert set(pv_plurality(profile)) == top_set(tally, ids)


@PV_SETTINGS
@given(st.data())
def test_majority_judgment_winner_equals_pref_voting_when_unique_and_untied(data):
    grades = data.draw(st.integers(2, 6))
    ids, ballots, seed = data.draw(grade_profiles(grades))
    method = {"kind": "majority-judgment", "grades": [f"g{i}" for i in range(grades)]}
    tally, outcome = compute(method, ids, ballots, seed=seed, eligible_weight=0)
    # "Untied": the best two options have different majority values, so tie order played no part.
    _, literal = reference({**method, "seats": 2}, ids, ballots, seed, 0)
    multiset = {o: sorted(g for choice, w in ballots for g in [choice[o]] * w) for o in ids}
    first, second = literal["ranking"][:2]
    assume(multiset[first] != multiset[second])
    winners = pv_majority_judgement(grade_profile(ids, ballots, grades))
    assume(len(winners) == 1)
    assert [ids[i] for i in winners] == outcome["winners"]


# ------------------------------------------------------------------------------------------------
# Published test vectors

VALID_BOARDS = ["approval-credential.jsonl", "schulze-rollcall.jsonl", "yna-rollcall.jsonl"]


def vectors_dir():
    here = Path(__file__).resolve()
    for candidate in (here.parents[2].parent / "shared" / "specs" / "vectors", here.parent / "vectors"):
        if (candidate / "expected.json").is_file():
            return candidate
    pytest.skip(
        "test vectors not found: looked in ../shared/specs/vectors (next to the repository) and in tests/polls/vectors/"
    )


def counted_ballots(entries, setup):
    """(choice, weight) of each counting ballot, with revotes weeded as section 2.2 says."""
    weights = {c["pub"]: c["w"] for c in setup["eligibility"]["credentials"]}
    last: dict[str, object] = {}
    lines = 0
    for entry in entries:
        if entry["type"] == "ballot":
            lines += 1
            cred = entry["body"]["cred"]
            assert setup["revote"] == "last-counts" or cred not in last, "two ballots of one credential"
            last[cred] = entry["body"]["choice"]  # later lines supersede earlier ones
    return [(choice, weights[cred]) for cred, choice in last.items()], lines


@pytest.mark.parametrize("board", VALID_BOARDS)
def test_published_result_of_each_valid_vector_board_is_recomputed_exactly(board):
    directory = vectors_dir()
    expected = {e["board"]: e for e in json.loads((directory / "expected.json").read_text("utf-8"))}[board]
    entries = [json.loads(line) for line in (directory / board).read_text("utf-8").splitlines()]
    setup = entries[0]["body"]
    result = next(e["body"] for e in entries if e["type"] == "result")
    option_ids = [option["id"] for option in setup["options"]]
    seed = bytes.fromhex(result["tiebreak_seed"])
    assert hashlib.sha256(seed).hexdigest() == setup["tiebreak_commit"]

    validate_method(setup["method"], option_ids)
    ballots, ballot_lines = counted_ballots(entries, setup)
    for choice, _ in ballots:
        validate_choice(setup["method"], option_ids, choice)
    tally, outcome = compute(
        setup["method"], option_ids, ballots, seed=seed, eligible_weight=setup["eligibility"]["weight"]
    )

    assert (len(ballots), ballot_lines - len(ballots), sum(w for _, w in ballots)) == (
        result["counted"],
        result["superseded"],
        result["weight"],
    )
    assert tally == result["tally"]
    assert outcome == result["outcome"]
    assert outcome == expected["outcome"]
    assert len(ballots) == expected["counted"]
