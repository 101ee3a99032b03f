"""The site's URLs plus /bench/bare: a Django JSON view that does nothing else."""

from django.http import JsonResponse
from django.urls import path

from lms.urls import urlpatterns as site_urlpatterns


def bare(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/bare", bare), *site_urlpatterns]
