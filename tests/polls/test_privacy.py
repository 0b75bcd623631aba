"""A secret poll leaves no voting code and no member–credential link anywhere in the database, the logs or
the channel layer, after opening (codes emailed) and casting (by form and by the JavaScript API)."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.test import Client
from django.urls import reverse

from polls import services
from polls.core import board as B

from . import pollkit as K

pytestmark = pytest.mark.django_db


def _text(value) -> str:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("latin-1")
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return "" if value is None else str(value)


def every_row():
    """(model, {field name: value as text}, {user ids the row points at}) for every row of every table."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models(include_auto_created=True):
        fields = [f for f in model._meta.concrete_fields]
        for row in model.objects.all().values_list(*[f.attname for f in fields]):
            values = {f.attname: _text(v) for f, v in zip(fields, row)}
            users = {
                int(v)
                for f, v in zip(fields, row)
                if v is not None
                and (
                    (isinstance(f, models.ForeignKey) and f.related_model is user_model)
                    or (model is user_model and f.primary_key)
                )
            }
            yield model, values, users


def test_a_secret_poll_leaves_no_code_and_no_member_credential_link(
    mailoutbox, django_capture_on_commit_callbacks, caplog, monkeypatch
):
    caplog.set_level(logging.DEBUG)
    published = []
    monkeypatch.setattr(services, "publish", lambda group, event: published.append((group, event)))
    assembly, convenor, members, _observer = K.world(5)
    poll = K.make_poll(assembly, convenor, kind="approval", secrecy="credential", delivery="email")
    with django_capture_on_commit_callbacks(execute=True):
        poll, _none = K.open_poll(poll, convenor)
    codes = [re.search(r"#code=([A-Z2-7-]{29})", m.body).group(1) for m in mailoutbox]
    assert len(codes) == 6

    # Members vote, logged in, through the plain form and through the JavaScript path.
    for i, person in enumerate(members[:3]):
        client = Client()
        client.force_login(person)
        response = client.post(
            reverse("poll_vote_code", args=[poll.public_id]), {"code": codes[i], "choice": ["solar-co-op"]}
        )
        assert response.status_code == 200
    client = Client()
    client.force_login(members[3])
    client.get(reverse("poll_vote_code", args=[poll.public_id]))
    body = B.make_ballot_body(
        poll.public_id,
        poll.fingerprint,
        services.derive_credential(codes[3], poll.public_id),
        ["repair-cafe"],
        signer="voter",
    )
    response = client.post(
        reverse("poll_ballots", args=[poll.public_id]),
        json.dumps(body),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )
    assert response.status_code == 201

    setup = services.setup_of(poll)
    pubs = set(setup.cred_index)
    member_ids = {p.pk for p in [convenor, *members]}
    code_forms = {
        c for code in codes for c in (code, code.replace("-", ""), code.lower(), code.replace("-", "").lower())
    }
    rows = 0
    for model, values, users in every_row():
        rows += 1
        text = " ".join(values.values())
        leaked = [c for c in code_forms if c in text]
        assert not leaked, f"a voting code is stored in {model.__name__}"
        holds_pub = any(pub in text for pub in pubs)
        assert not (holds_pub and users & member_ids), f"{model.__name__} links a member to a credential"
    assert rows > 50
    # Nothing logged or published carries a code or a credential.
    for secret in code_forms | pubs:
        assert secret not in caplog.text
        assert all(secret not in json.dumps(event) for _group, event in published)
    assert {event["type"] for _group, event in published} == {"poll.opened", "poll.turnout"}
