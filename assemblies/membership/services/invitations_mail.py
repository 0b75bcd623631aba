"""The email that carries an invitation's link (the token is shown once and never stored)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _

from assemblies.membership.models import Invitation


def invitation_url(*, token: str, base_url: str) -> str:
    return f"{base_url.rstrip('/')}{reverse('invitation_accept', args=[token])}"


def send_invitation(*, invitation: Invitation, token: str, base_url: str) -> str:
    """Email the invitation link to the invited address; returns the link (for the convenor's page).

    A mail server that refuses is not an error for the convenor, who sees the link and can pass it on.
    """
    url = invitation_url(token=token, base_url=base_url)
    assembly = invitation.assembly
    inviter = invitation.invited_by.name if invitation.invited_by else settings.DELIBERATE_SITE_NAME
    subject = _("[%(site)s] Invitation to join %(assembly)s") % {
        "site": settings.DELIBERATE_SITE_NAME,
        "assembly": assembly.name,
    }
    body = _(
        "%(inviter)s invites you to join %(assembly)s as %(role)s.\n\n"
        "Open this link to accept (it works once, until %(expires)s):\n%(url)s\n\n"
        "If you did not expect this invitation, you can ignore this email."
    ) % {
        "inviter": inviter,
        "assembly": assembly.name,
        "role": invitation.get_role_display().lower(),
        "expires": invitation.expires_at.strftime("%Y-%m-%d"),
        "url": url,
    }
    send_mail(subject[:150], body, None, [invitation.email], fail_silently=True)
    return url
