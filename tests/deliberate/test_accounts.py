"""The account flows, through the test client: sign up, verify, log in by code, log out, reset."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from assemblies.accounts import services
from assemblies.accounts.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def link_in(message) -> str:
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def code_in(message) -> str:
    match = re.search(r"^\s*([A-Z0-9]{4}-[A-Z0-9]{4})\s*$", message.body, re.MULTILINE)
    assert match, message.body
    return match.group(1)


def sign_up(client, email="rosa@example.org", display_name="Rosa"):
    return client.post(reverse("account_signup"), {"email": email, "password1": PASSWORD, "display_name": display_name})


@pytest.mark.smoke
def test_sign_up_sends_a_verification_link_that_confirms_and_logs_in(client):
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(email="rosa@example.org")
    assert user.display_name == "Rosa"
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rosa@example.org"]

    confirm_url = link_in(mail.outbox[0])
    assert client.get(confirm_url).status_code == 200
    response = client.post(confirm_url)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified
    assert client.get(reverse("account_profile")).status_code == 200


def test_sign_up_with_a_taken_address_keeps_what_was_typed_and_creates_nothing(client):
    services.create_account(email="Rosa@Example.org", password=PASSWORD)
    response = sign_up(client, email="rosa@example.org", display_name="Another Rosa")
    # allauth prevents enumeration: it answers as for a new address and emails the owner instead.
    assert User.objects.filter(email__iexact="rosa@example.org").count() == 1
    assert response.status_code in (200, 302)


def test_sign_up_with_a_short_password_shows_the_error_and_keeps_the_email(client):
    response = client.post(
        reverse("account_signup"), {"email": "kim@example.org", "password1": "short", "display_name": "Kim"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="kim@example.org"' in html
    assert 'value="Kim"' in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(email="kim@example.org").exists()


def test_unverified_account_cannot_log_in_with_password_until_verified(client):
    sign_up(client)
    client.logout()
    mail.outbox.clear()
    response = client.post(reverse("account_login"), {"login": "rosa@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_log_in_by_emailed_code(client):
    services.create_account(email="ines@example.org", password=None, display_name="Inês")
    response = client.post(reverse("account_request_login_code"), {"email": "ines@example.org"})
    assert response.status_code == 302
    code = code_in(mail.outbox[-1])
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(email="ines@example.org").pk)


def test_a_wrong_login_code_is_refused_and_logs_nobody_in(client):
    services.create_account(email="ines@example.org", password=None)
    client.post(reverse("account_request_login_code"), {"email": "ines@example.org"})
    response = client.post(reverse("account_confirm_login_code"), {"code": "XXXXXX"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_log_out_needs_a_post_and_ends_the_session(client):
    user = services.create_account(email="ines@example.org", password=PASSWORD)
    client.force_login(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_by_emailed_link(client):
    services.create_account(email="ines@example.org", password="an old password 1")
    response = client.post(reverse("account_reset_password"), {"email": "ines@example.org"})
    assert response.status_code == 302
    reset_url = link_in(mail.outbox[-1])
    response = client.get(reset_url)
    assert response.status_code == 302  # allauth moves the key out of the URL into the session
    set_url = response["Location"]
    new_password = "a brand new passphrase"
    response = client.post(set_url, {"password1": new_password, "password2": new_password})
    assert response.status_code == 302
    assert User.objects.get(email="ines@example.org").check_password(new_password)


def test_account_page_saves_display_name_language_and_notifications(client):
    user = services.create_account(email="ines@example.org", password=PASSWORD)
    client.force_login(user)
    response = client.post(
        reverse("account_profile"), {"display_name": "  Inês Souza ", "language": "pt", "notify_by_email": "daily"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.language, user.notify_by_email) == ("Inês Souza", "pt", "daily")
    assert response.cookies["django_language"].value == "pt"
    page = client.get(reverse("account_profile"))
    assert page["Content-Language"] == "pt"


def test_account_page_refuses_an_unknown_language_and_keeps_the_input(client):
    user = services.create_account(email="ines@example.org", password=PASSWORD, display_name="Inês")
    client.force_login(user)
    response = client.post(
        reverse("account_profile"), {"display_name": "Inês S.", "language": "xx", "notify_by_email": "daily"}
    )
    assert response.status_code == 400
    assert 'value="Inês S."' in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Inês"


def test_account_page_requires_log_in(client):
    response = client.get(reverse("account_profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_language_switch_is_remembered_on_the_account(client):
    user = services.create_account(email="ines@example.org", password=PASSWORD)
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "es"


def test_login_rate_limit_from_allauth_stays_on(client):
    services.create_account(email="ines@example.org", password=PASSWORD)
    for _ in range(6):
        client.post(reverse("account_login"), {"login": "ines@example.org", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "ines@example.org", "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
