"""Error pages in the site's own small layout (a 500 page renders without a request context)."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def bad_request(request, exception):
    return render(request, "frontend/error.html", {"status": 400, "title": "Bad request"}, status=400)


def permission_denied(request, exception):
    return render(request, "frontend/error.html", {"status": 403, "title": "Not allowed"}, status=403)


def page_not_found(request, exception):
    return render(request, "frontend/error.html", {"status": 404, "title": "Not found"}, status=404)


def server_error(request):
    return HttpResponseServerError(loader.get_template("frontend/500.html").render())
