"""WebSocket routes of the assemblies app (gathered by `deliberate.routing`)."""

from django.urls import path

from assemblies.debates.consumers import (
    DebateConsumer,
    PersonalConsumer,
    SessionConsumer,
)

websocket_urlpatterns = [
    path("ws/debates/<int:pk>/", DebateConsumer.as_asgi()),
    path("ws/sessions/<int:pk>/", SessionConsumer.as_asgi()),
    path("ws/me/", PersonalConsumer.as_asgi()),
]
