from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.DELIBERATE_SITE_NAME}
