"""Project-wide views: the learner dashboard (composing the apps) and throttled responses."""

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render


def ratelimited(request, exception=None):
    message = "Too many requests. Wait a few minutes and try again."
    if request.path.startswith("/api/") or "application/json" in request.headers.get("Accept", ""):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "429.html", {"message": message}, status=429)


@login_required
def dashboard(request):
    """The learner's page: progress from courses, certificates from certificates."""
    from wagtail.models import Locale

    from certificates.selectors import certificates_for
    from courses.selectors import dashboard_for

    locale = Locale.get_active()
    context = dashboard_for(request.user, locale)
    context["certificates"] = certificates_for(request.user)
    return render(request, "dashboard.html", context)
