"""The learner's dashboard: progress from courses, certificates from certificates; for graders,
the way to their grading queue."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from wagtail.models import Locale

from certificates.selectors import certificates_for
from courses.dashboard import dashboard_for
from courses.grading import queue_counts


@login_required
def dashboard(request):
    user = request.user
    # Where a sign-in lands: an instructor (or second marker) who learns nothing works here.
    if user.is_instructor and not user.enrolments.exists():
        return redirect("grading-queue")
    context = dashboard_for(user, Locale.get_active())
    context["certificates"] = certificates_for(user)
    if user.is_instructor or user.is_staff_member:
        context["grading_counts"] = queue_counts(user)
    return render(request, "dashboard.html", context)
