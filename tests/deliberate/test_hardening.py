"""Web hardening (OWASP ASVS level 2, issue 9 item 5): the deploy check is clean with production settings;
production responses carry HSTS, frame, referrer and sniffing headers, a strict CSP and secure cookies;
every unsafe method of every view needs the CSRF token; log-in, casting and debate sockets are rate
limited; a password change or reset logs out the person's other sessions.

Posting in debates has its own tests: tests/assemblies/test_debates_services.py (the allowance),
tests/frontend/test_debates_pages.py (429 with Retry-After) and tests/assemblies/test_debates_consumers.py
(the socket's refusal with `retry_after`, and its flood error)."""

from __future__ import annotations

import re

import pytest
from allauth.account import app_settings as allauth_account_settings
from channels.db import database_sync_to_async
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django.utils import timezone

from assemblies.accounts import services as accounts
from assemblies.membership.models import JoinLink
from deliberate.middleware import CONTENT_SECURITY_POLICY
from tests import factories
from tests.deliberate.test_settings import resolved, run
from tests.polls import pollkit

PASSWORD = "a long test passphrase"

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 40 + "-a-long-random-production-secret-value",
    "HTTPS": "true",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "ALLOWED_HOSTS": "vote.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://vote.example.org",
}


def production_environment(var_dir) -> dict:
    return {**PRODUCTION, "DELIBERATE_BOARD_KEY": resolved(var_dir)["board"]}


# The deploy check and the production settings -----------------------------------------------------------


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run("", tmp_path, args=["manage.py", "check", "--deploy"], **production_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in output, output
    assert "WARNING" not in output and "ERROR" not in output


PRINT_SECURITY = """
import json, django
from django.conf import settings
django.setup()
print(json.dumps({name: getattr(settings, name) for name in (
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE", "X_FRAME_OPTIONS", "SECURE_REFERRER_POLICY", "DEBUG",
)}))
"""


def test_production_settings_turn_on_https_cookies_hsts_and_frame_refusal(tmp_path):
    import json

    result = run(PRINT_SECURITY, tmp_path, **production_environment(tmp_path))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "DEBUG": False,
    }


@pytest.fixture
def production(settings):
    """What HTTPS=true sets (the test above checks that it does), for requests through the test client."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = settings.LANGUAGE_COOKIE_SECURE = True
    return settings


def test_production_responses_carry_the_security_headers(db, production):
    client = Client()
    response = client.get(reverse("account_login"), HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["script-src"] == "'self'" and "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'"
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"


def test_plain_http_is_redirected_to_https(db, production):
    response = Client().get(reverse("account_login"))
    assert response.status_code == 301 and response["Location"].startswith("https://")


def test_the_session_cookie_is_secure_httponly_and_lax(db, production):
    accounts.create_account(email="ines@example.org", password=PASSWORD)
    response = Client().post(
        reverse("account_login"), {"login": "ines@example.org", "password": PASSWORD}, HTTP_X_FORWARDED_PROTO="https"
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session.value and session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_every_page_carries_the_strict_csp_even_errors(db, client):
    for url in (reverse("home"), "/no/such/page/", reverse("account_login")):
        response = client.get(url)
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response["X-Frame-Options"] == "DENY"


# CSRF on every unsafe method of every view --------------------------------------------------------------

SAMPLES = {
    "slug": "montblanc",
    "pk": "1",
    "user_id": "1",
    "message_id": "1",
    "number": "1",
    "fmt": "md",
    "code": "DIG",
    "ref": "DIG-1",
    "token": "abc",
    "public_id": "p-abcdefghij",
    "seq": "1",
    "action": "end",
    "key": "abc",
    "edition_slug": "first",
    "uidb36": "1",
    "id": "1",
}


def _leaves(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _leaves(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix, pattern


def every_url() -> dict[str, str]:
    """One concrete address for every named view of the site (the project's and allauth's)."""
    urls = {}
    for _prefix, pattern in _leaves(get_resolver()):
        if not pattern.name:
            continue
        names = list(pattern.pattern.converters) or list(pattern.pattern.regex.groupindex)
        try:
            urls[pattern.name] = reverse(pattern.name, kwargs={name: SAMPLES.get(name, "1") for name in names})
        except NoReverseMatch:
            urls[pattern.name] = reverse(pattern.name, kwargs={name: "abc" for name in names})
    return urls


def test_the_url_enumeration_covers_the_site():
    urls = every_url()
    assert len(urls) > 60
    for name in (
        "poll_vote",
        "poll_ballots",
        "debate_post",
        "assembly_invite",
        "assembly_audit",
        "account_login",
        "account_change_password",
        "set_language",
        "contribution_decide",
    ):
        assert name in urls


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_unsafe_method_of_every_view_needs_the_csrf_token(db, method):
    convenor = factories.user("Amara")
    factories.assembly(convenor, name="Mont Blanc")
    client = Client(enforce_csrf_checks=True)
    client.force_login(convenor)
    # A POST without the token is refused (403) everywhere, the JSON ballot API included (it checks the token
    # itself so that its refusal is JSON). Other unsafe methods are refused too: 403, or 405 from a view
    # that takes no such method at all (the ballot API, exempt from the middleware's check, takes POST only).
    refusals = {403} if method == "post" else {403, 405}
    accepted = {}
    for name, url in every_url().items():
        response = getattr(client, method)(
            url,
            {} if method == "post" else "",
            **({} if method == "post" else {"content_type": "application/x-www-form-urlencoded"}),
        )
        if response.status_code not in refusals:
            accepted[name] = response.status_code
    assert accepted == {}


def test_the_same_post_with_the_token_gets_past_the_csrf_check(db):
    convenor = factories.user("Amara")
    client = Client(enforce_csrf_checks=True)
    client.force_login(convenor)
    page = client.get(reverse("assembly_create"))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post(
        reverse("assembly_create"), {"csrfmiddlewaretoken": token, "name": "Forum", "visibility": "public"}
    )
    assert response.status_code == 302


# Rate limits: log-in --------------------------------------------------------------------------------------


def test_allauth_login_limits_are_configured():
    limits = allauth_account_settings.RATE_LIMITS
    assert limits["login_failed"] and "/ip" in limits["login_failed"] and "/key" in limits["login_failed"]
    assert limits["reset_password"] and limits["login"]


def _fail(client, email, address):
    return client.post(
        reverse("account_login"), {"login": email, "password": "not the password"}, HTTP_X_FORWARDED_FOR=address
    )


def test_repeated_failed_logins_are_refused_even_with_the_right_password(db, client, settings):
    accounts.create_account(email="ines@example.org", password=PASSWORD)
    for _attempt in range(5):
        _fail(client, "ines@example.org", "203.0.113.7")
        assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_login"), {"login": "ines@example.org", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_behind_the_proxy_each_visitor_has_an_own_allowance_of_failed_logins(db, settings):
    """TRUSTED_PROXY_COUNT=1 (nginx): the address nginx appends counts, not the proxy's own address."""
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for number in range(1, 4):
        accounts.create_account(email=f"person{number}@example.org", password=PASSWORD)
    attacker = Client()
    for attempt in range(10):  # ten failures a minute from one address, on several accounts
        _fail(attacker, f"person{attempt % 3 + 1}@example.org", "198.51.100.66")
    refused = attacker.post(
        reverse("account_login"),
        {"login": "person3@example.org", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert "Too many failed login attempts" in refused.content.decode()
    neighbour = Client()  # another visitor, through the same proxy
    response = neighbour.post(
        reverse("account_login"),
        {"login": "person3@example.org", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="192.0.2.10",
    )
    assert response.status_code == 302 and "_auth_user_id" in neighbour.session


# Rate limits: casting ---------------------------------------------------------------------------------------


@pytest.fixture
def frozen_minute(monkeypatch):
    """The vote views read the clock once per request: hold it still, so that the test's posts all fall in
    one window of the allowance (a minute boundary would otherwise reset it half-way)."""
    moment = timezone.now().replace(second=5, microsecond=0)
    monkeypatch.setattr("frontend.views.polls.now", lambda: moment)
    return moment


def test_a_member_voting_too_fast_gets_429_with_the_reason_and_keeps_the_choice(db, client, settings, frozen_minute):
    settings.DELIBERATE_CASTS_PER_MINUTE = 3
    assembly, convenor, members, _observer = pollkit.world(2)
    poll, _codes = pollkit.open_poll(pollkit.make_poll(assembly, convenor, at=frozen_minute), convenor, frozen_minute)
    client.force_login(members[0])
    url = reverse("poll_vote", args=[poll.public_id])
    for _ballot in range(3):
        assert client.post(url, {"choice": "yes"}).status_code == 302
    response = client.post(url, {"choice": "no"})
    assert response.status_code == 429 and int(response["Retry-After"]) == 55
    html = response.content.decode()
    assert "Too many ballots in the last minute: wait 55 seconds" in html
    assert re.search(r'<input[^>]*value="no"[^>]*checked', html) or re.search(
        r'<input[^>]*checked[^>]*value="no"', html
    )
    poll.refresh_from_db()
    assert poll.ballot_count == 3
    other = Client()
    other.force_login(members[1])  # each member has an allowance of their own
    assert other.post(url, {"choice": "yes"}).status_code == 302


def test_voting_codes_from_one_address_are_limited_and_the_form_is_kept(db, settings, frozen_minute):
    settings.DELIBERATE_CASTS_PER_ADDRESS_PER_MINUTE = 2
    assembly, convenor, _members, _observer = pollkit.world(5)
    poll = pollkit.make_poll(assembly, convenor, secrecy="credential", delivery="paper", at=frozen_minute)
    poll, codes = pollkit.open_poll(poll, convenor, frozen_minute)
    url = reverse("poll_vote_code", args=[poll.public_id])
    client = Client(REMOTE_ADDR="203.0.113.9")
    for code in codes[:2]:
        assert client.post(url, {"code": code, "choice": "yes"}).status_code == 200
    response = client.post(url, {"code": codes[2], "choice": "abstain"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    html = response.content.decode()
    assert "Too many ballots in the last minute" in html
    assert re.search(r'value="abstain"[^>]*checked|checked[^>]*value="abstain"', html)
    poll.refresh_from_db()
    assert poll.ballot_count == 2
    # Another address is not held back by this one.
    assert Client(REMOTE_ADDR="192.0.2.44").post(url, {"code": codes[2], "choice": "yes"}).status_code == 200


def test_the_ballot_api_answers_429_in_json(db, settings, frozen_minute):
    settings.DELIBERATE_CASTS_PER_ADDRESS_PER_MINUTE = 1
    assembly, convenor, _members, _observer = pollkit.world(5)
    poll = pollkit.make_poll(assembly, convenor, secrecy="credential", delivery="paper", at=frozen_minute)
    poll, _codes = pollkit.open_poll(poll, convenor, frozen_minute)
    client = Client()
    url = reverse("poll_ballots", args=[poll.public_id])
    first = client.post(url, b"{}", content_type="application/json")
    assert first.status_code == 400  # a malformed ballot still spends the allowance
    second = client.post(url, b"{}", content_type="application/json")
    assert second.status_code == 429 and second.json()["retry_after"] == int(second["Retry-After"]) > 0
    assert "Too many ballots" in second.json()["error"]


def test_the_casting_allowance_keeps_no_address_in_the_cache(db, settings, frozen_minute):
    from django.core.cache import cache

    from assemblies.common import ratelimit

    client = Client(REMOTE_ADDR="203.0.113.77")
    request = client.get("/").wsgi_request
    key = ratelimit.address_key(request)
    assert "203.0.113.77" not in key and len(key) == 32
    ratelimit.spend(f"cast:address:{key}", limit=5, now=frozen_minute)
    assert cache.get(f"rate:cast:address:{key}:{int(frozen_minute.timestamp()) // 60}") == 1


# Rate limits: sockets -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_a_socket_that_keeps_flooding_is_closed_with_4429(transactional_db):
    from django.db import connections

    from tests.assemblies.test_debates_consumers import TIMEOUT, connected, debate_path
    from tests.debatekit import build_world

    world = await database_sync_to_async(build_world)()
    try:
        ana = await connected(debate_path(world.debate), world.ana)
        for _frame in range(60):
            await ana.send_json_to({"type": "ping"})
        closed = None
        for _answer in range(80):
            output = await ana.receive_output(timeout=TIMEOUT)
            if output["type"] == "websocket.close":
                closed = output
                break
        assert closed is not None and closed["code"] == 4429
        await ana.disconnect()
    finally:
        await database_sync_to_async(connections.close_all)()


# Sessions after a password change or reset --------------------------------------------------------------------


def _signed_in(client) -> bool:
    return client.get(reverse("account_profile")).status_code == 200


def test_changing_the_password_logs_out_the_other_sessions_and_keeps_this_one(db):
    user = accounts.create_account(email="ines@example.org", password=PASSWORD)
    here, phone = Client(), Client()
    here.force_login(user)
    phone.force_login(user)
    assert _signed_in(here) and _signed_in(phone)
    new = "another long passphrase"
    response = here.post(
        reverse("account_change_password"), {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert _signed_in(here)
    assert not _signed_in(phone)
    assert phone.get(reverse("account_profile"))["Location"].startswith(reverse("account_login"))


def test_resetting_the_password_logs_out_every_session(db):
    user = accounts.create_account(email="ines@example.org", password=PASSWORD)
    laptop = Client()
    laptop.force_login(user)
    assert _signed_in(laptop)
    someone = Client()
    someone.post(reverse("account_reset_password"), {"email": "ines@example.org"})
    link = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    set_url = someone.get(link)["Location"]
    new = "a brand new passphrase"
    assert someone.post(set_url, {"password1": new, "password2": new}).status_code == 302
    assert not _signed_in(laptop)
    assert not _signed_in(someone)  # a reset does not log in: the new password does


def test_a_session_older_than_the_password_cannot_post_either(db):
    user = accounts.create_account(email="ines@example.org", password=PASSWORD)
    convenor_assembly = factories.assembly(user, name="Forum")
    stale = Client()
    stale.force_login(user)
    user.set_password("a third long passphrase")
    user.save()
    stale.post(reverse("assembly_join_link_create", args=[convenor_assembly.slug]))
    assert not JoinLink.objects.filter(assembly=convenor_assembly).exists()
    assert not _signed_in(stale)
