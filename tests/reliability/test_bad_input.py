"""Bad input everywhere, property-based: malformed and hostile values posted to every form (each POST view of
the access matrix, by the convenor and by the member who writes there) and bodies thrown at the JSON ballot
endpoint (the WebSocket consumers: test_bad_frames.py).

Never a server error; a refusal writes nothing (the database is the same rows as before); and it says why:
a form comes back with its error shown, a redirect carries an error message, the JSON endpoint answers
{"error": "..."}, a socket answers an error frame and stays usable.
"""

from __future__ import annotations

import json

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polls.core import board as B
from polls.models import BoardLine

from .test_access_matrix import CASES, attempt, post_data, url_of, world  # noqa: F401  (world: the fixture)

# Modest and reproducible: CI runs the same examples every time, and keeps no example database.
FEW = settings(
    max_examples=6,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

HOSTILE_TEXTS = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n",
    "0",
    "-1",
    "1.5",
    "1e309",
    "NaN",
    "99999999999999999999999",
    "١٢٣",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../../etc/passwd",
    "%00",
    "\ufeff",
    "x" * 70_000,
    "🗳️" * 500,
]
text = st.one_of(st.sampled_from(HOSTILE_TEXTS), st.text(st.characters(blacklist_categories=("Cs",)), max_size=40))
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))

POST_VIEWS = sorted(name for name, case in CASES.items() if case.post is not None and name != "poll_ballots")
WRITERS_TO_TRY = {
    "contribution_edit": "member",
    "contribution_withdraw": "member",
    "debate_message_edit": "member",
    "debate_message_delete": "member",
    "join_link": "other",
    "assembly_join": "other",
}


def hostile_forms(name):
    """The view's own fields (each valid, hostile or left out) and a few fields nobody expects."""
    fields = sorted(CASES[name].post)
    return st.fixed_dictionaries({}, optional={field: value for field in fields}).flatmap(
        lambda known: st.dictionaries(text.filter(lambda k: 0 < len(k) < 30), value, max_size=2).map(
            lambda extra: {**extra, **known}
        )
    )


def says_why(response) -> bool:
    if response.status_code in (301, 302, 303):
        stored = list(get_messages(response.wsgi_request))
        return any(m.level_tag == "error" for m in stored) or "/accounts/login/" in response["Location"]
    page = response.content.decode(errors="replace")
    return response.status_code in (404, 405) or any(
        mark in page for mark in ('role="alert"', 'class="error', 'class="errors', '"error"')
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name", POST_VIEWS)
def test_hostile_form_posts_never_fail_and_refusals_write_nothing(world, name):  # noqa: F811
    site = world.public
    role = WRITERS_TO_TRY.get(name, "convenor")
    client = Client()
    client.force_login(world.people[role])
    url = url_of(name, site)
    valid = post_data(name, site)

    @FEW
    @given(form=hostile_forms(name))
    def check(form):
        data = {**{k: v for k, v in valid.items() if k not in form}, **form} if form else {}
        response, changed = attempt(client, "POST", url, data)
        assert response.status_code < 500, (name, data)
        if response.status_code >= 400:
            assert not changed, f"{name} refused ({response.status_code}) but wrote: {data}"
            assert says_why(response), f"{name} refused without saying why: {data}"
        elif not changed and response.status_code in (301, 302, 303):
            assert says_why(response) or CASES[name].writers is None, f"{name}: a silent refusal: {data}"

    check()


# The JSON ballot endpoint ------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@pytest.mark.django_db
def test_hostile_ballots_posted_as_json_are_refused_with_a_reason_and_append_nothing(world):  # noqa: F811
    poll = world.public.poll
    valid = B.make_ballot_body(poll.public_id, poll.fingerprint, _any_key(), "yes", signer="voter")
    url = reverse("poll_ballots", args=[poll.public_id])
    client = Client()
    lines = BoardLine.objects.filter(poll=poll).count()

    bodies = st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.sampled_from(sorted(valid)).flatmap(
            lambda key: json_values.map(lambda v: json.dumps({**valid, key: v}).encode())
        ),
        st.just(json.dumps(valid).encode()),  # a well-formed ballot of a key that is not on the list
        st.just(b'{"a": 1, "a": 2}'),
        st.just(b"1.5"),
        st.just(b"[" * 5000),
        st.just(b"x" * 70_000),
    )

    @settings(FEW, max_examples=40)
    @given(
        body=bodies,
        content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
    )
    def check(body, content_type):
        response = client.post(url, body, content_type=content_type)
        assert 400 <= response.status_code < 500, (response.status_code, body[:80])
        assert response.json()["error"].strip()
        assert BoardLine.objects.filter(poll=poll).count() == lines

    check()


def _any_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()
