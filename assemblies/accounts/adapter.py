"""django-allauth customisation, through its adapter as allauth intends (never a fork)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.DELIBERATE_OPEN_SIGNUP

    def send_mail(self, template_prefix, email, context):
        context.setdefault("site_name", settings.DELIBERATE_SITE_NAME)
        super().send_mail(template_prefix, email, context)
