from functools import cache

from django.conf import settings

from assemblies.membership.models import Notification


def site(request):
    return {"SITE_NAME": settings.DELIBERATE_SITE_NAME}


def notifications(request):
    """The signed-in person's unread count for the header: one indexed COUNT, run once, and only when
    a page that shows it is rendered (templates call a callable when they read it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def unread_notifications():
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    return {"unread_notifications": unread_notifications}
