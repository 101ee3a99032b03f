"""Responses shared by the project's views: the page or JSON body of a throttled request."""

from django.http import JsonResponse
from django.shortcuts import render


def ratelimited(request, exception=None):
    message = "Too many requests. Wait a few minutes and try again."
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "429.html", {"message": message}, status=429)
