"""The learner's dashboard: progress from courses, certificates from certificates."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from wagtail.models import Locale

from certificates.selectors import certificates_for
from courses.dashboard import dashboard_for


@login_required
def dashboard(request):
    context = dashboard_for(request.user, Locale.get_active())
    context["certificates"] = certificates_for(request.user)
    return render(request, "dashboard.html", context)
