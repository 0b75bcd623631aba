"""WebSocket routes of every app, gathered in one list for `deliberate.asgi`."""

websocket_urlpatterns: list = []
