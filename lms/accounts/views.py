"""Web pages for signing in, registering, the profile and choosing a language."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import translate_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from django_ratelimit.decorators import ratelimit

from .forms import ProfileForm, RegistrationForm
from .services import learner_register

LOGIN_RATE = "10/5m"


@method_decorator(ratelimit(key="ip", rate=LOGIN_RATE, method="POST", block=True), name="post")
@method_decorator(
    ratelimit(key="post:username", rate=LOGIN_RATE, method="POST", block=True), name="post"
)
class ThrottledLoginView(LoginView):
    """Django's login, throttled, that then shows the site in the learner's own language."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().preferred_language
        response["Location"] = translate_url(response["Location"], language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
        )
        return response


def register(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    # `next` (where to go once registered, e.g. a cohort invitation) and `email` (pre-filled)
    # may come in the link; only a path on this site is followed.
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    form = RegistrationForm(
        request.POST or None,
        initial={
            "preferred_language": request.LANGUAGE_CODE,
            "email": request.GET.get("email", ""),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = learner_register(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your learner account is ready."))
            return redirect(next_url or "dashboard")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/register.html", {"form": form, "next": next_url}, status=status
    )


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@require_POST
def set_language(request):
    """Django's set_language, also remembering the choice on the learner's account.

    The switcher sends one `next-<code>` per language (the same page in that language); the
    button pressed picks which one becomes `next`.
    """
    language = request.POST.get("language")
    chosen_next = request.POST.get(f"next-{language}")
    if chosen_next:
        request.POST = request.POST.copy()
        request.POST["next"] = chosen_next
    response = django_set_language(request)
    if request.user.is_authenticated and language in dict(
        request.user._meta.get_field("preferred_language").choices
    ):
        request.user.preferred_language = language
        request.user.save(update_fields=["preferred_language"])
    return response
