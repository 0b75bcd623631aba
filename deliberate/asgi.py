"""ASGI entry point: HTTP through Django, WebSockets through Channels, both served by Daphne."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deliberate.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

# Django must be set up before the consumers (and the models they import) are.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from deliberate.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
