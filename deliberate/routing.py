"""WebSocket routes of every app, gathered in one list for `deliberate.asgi`."""

from assemblies.debates.routing import websocket_urlpatterns as assemblies_websockets

websocket_urlpatterns: list = [
    *assemblies_websockets,
]
