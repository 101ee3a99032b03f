"""The page a cohort invitation's link opens: who is invited to what, and accepting it (which
enrols the invited learner in the cohort). An unknown address is asked to register first."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from courses.cohorts import InvalidInvitation, invitation_accept, invitation_from_token
from courses.models import Enrolment
from lms.localization import localized


def cohort_invitation(request, token: str):
    try:
        invitation = invitation_from_token(token)
    except InvalidInvitation as exc:
        return render(
            request,
            "courses/cohort_invitation.html",
            {"error": " ".join(exc.messages)},
            status=400,
        )
    cohort = invitation.cohort
    page = localized(cohort.page.specific)
    here = request.get_full_path()
    context = {"invitation": invitation, "cohort": cohort, "page": page}
    user = request.user
    if not user.is_authenticated:
        has_account = get_user_model().objects.filter(email__iexact=invitation.email).exists()
        context.update(
            has_account=has_account,
            login_url=f"{reverse('login')}?{urlencode({'next': here})}",
            register_url=f"{reverse('register')}?{urlencode({'next': here, 'email': invitation.email})}",
        )
        return render(request, "courses/cohort_invitation.html", context)
    if request.method == "POST":
        try:
            invitation_accept(invitation=invitation, user=user)
        except PermissionDenied as exc:
            context["error"] = str(exc)
            return render(request, "courses/cohort_invitation.html", context, status=403)
        messages.success(
            request,
            _("You joined %(cohort)s and are enrolled in %(title)s.")
            % {"cohort": cohort.name, "title": page.title},
        )
        return redirect(page.url)
    if user.email.lower() != invitation.email.lower():
        context["error"] = _(
            "This invitation is for %(email)s; log in with that account to accept it."
        ) % {"email": invitation.email}
        return render(request, "courses/cohort_invitation.html", context, status=403)
    context["joined"] = (
        Enrolment.objects.filter(learner=user, page_id=cohort.page_id, cohort=cohort)
        .exclude(status=Enrolment.Status.WITHDRAWN)
        .exists()
    )
    return render(request, "courses/cohort_invitation.html", context)
