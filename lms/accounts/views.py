"""Web pages for signing in, registering, passwords, addresses, tokens and choosing a language."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy, translate_url
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language
from django_ratelimit.decorators import ratelimit

from lms.views import ratelimited as too_many

from .forms import ProfileForm, QueuedPasswordResetForm, RegistrationForm
from .holder_name import FONT_FAMILY, holder_name_rules, holder_name_size
from .services import (
    api_token_revoke,
    api_tokens_of,
    email_change_confirm,
    email_confirm,
    email_confirmation_send,
    learner_register,
    password_changed,
    profile_update,
)
from .throttle import (
    LOGIN_IP_RATE,
    LOGIN_RATE,
    email_link_throttled,
    register_ip_throttled,
    reset_address_throttled,
    reset_ip_throttled,
)


@method_decorator(ratelimit(key="ip", rate=LOGIN_IP_RATE, method="POST", block=True), name="post")
@method_decorator(
    ratelimit(
        key="lms.accounts.throttle.ip_and_username", rate=LOGIN_RATE, method="POST", block=True
    ),
    name="post",
)
class ThrottledLoginView(auth_views.LoginView):
    """Django's login, throttled, that then shows the site in the learner's own language.

    The lock is per client address, and per address and username together, so failing on
    purpose from elsewhere cannot lock an account's owner out.
    """

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
    if request.method == "POST" and register_ip_throttled(request):
        # What was typed stays in the form (not the password), unchecked, for a later try.
        kept = RegistrationForm(
            initial={
                name: request.POST.get(name, "")
                for name in form.fields
                if name != "password" and name in request.POST
            }
            | {"preferred_language": request.POST.get("preferred_language", request.LANGUAGE_CODE)}
        )
        context = {"form": kept, "next": next_url, "throttled": True}
        return render(request, "accounts/register.html", context, status=429)
    if request.method == "POST" and form.is_valid():
        try:
            user = learner_register(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Welcome! We have sent a link to %(email)s: follow it to confirm your "
                    "address, then you can enrol."
                )
                % {"email": user.email},
            )
            return redirect(next_url or "dashboard")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/register.html", {"form": form, "next": next_url}, status=status
    )


@login_required
def profile(request):
    """The name printed on certificates (with its preview), language, address and API tokens."""
    user = request.user
    initial = {
        "full_name": user.full_name,
        "preferred_language": user.preferred_language,
        "email": user.email,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["email"].lower() != (user.email or "").lower() and (
            email_link_throttled(request, user.pk)
        ):
            return too_many(request)
        try:
            sent = profile_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, _("Your profile is saved."))
            if sent:
                messages.info(
                    request,
                    _(
                        "We have sent a link to %(email)s. Your address changes when you "
                        "follow it; until then we keep using %(old)s."
                    )
                    % {"email": form.cleaned_data["email"], "old": user.email},
                )
            return redirect("profile")
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "tokens": api_tokens_of(user),
        "name_rules": json.dumps(holder_name_rules()),
        "name_font": FONT_FAMILY,
        "preview_points": _printed_points(
            form["full_name"].value() or "", form["preferred_language"].value()
        ),
    }
    return render(request, "accounts/profile.html", context, status=status)


def _printed_points(name: str, language: str) -> float:
    size = holder_name_size(name.strip())
    # A certificate is bilingual when its holder reads Chinese (certificates/pdf.py).
    return size.points if language == "zh-hans" else size.points_monolingual


def confirm_email(request, token: str):
    """Follow the link of a registration e-mail."""
    try:
        email_confirm(token=token)
    except ValidationError as exc:
        return render(
            request, "accounts/link_result.html", {"error": " ".join(exc.messages)}, status=400
        )
    return render(
        request,
        "accounts/link_result.html",
        {"success": _("Your email address is confirmed. You can enrol in courses now.")},
    )


def change_email(request, token: str):
    """Follow the link sent to a new address: the account takes it."""
    try:
        user = email_change_confirm(token=token)
    except ValidationError as exc:
        return render(
            request, "accounts/link_result.html", {"error": " ".join(exc.messages)}, status=400
        )
    return render(
        request,
        "accounts/link_result.html",
        {"success": _("Your account now uses %(email)s.") % {"email": user.email}},
    )


@login_required
@require_POST
def resend_confirmation(request):
    if request.user.email_confirmed:
        messages.info(request, _("Your email address is already confirmed."))
    elif email_link_throttled(request, request.user.pk):
        return too_many(request)
    else:
        email_confirmation_send(user=request.user)
        messages.success(
            request,
            _("We have sent a new confirmation link to %(email)s.") % {"email": request.user.email},
        )
    return redirect(_safe_next(request, "profile"))


@login_required
@require_POST
def token_revoke(request, token_id: int):
    if api_token_revoke(user=request.user, token_id=token_id):
        messages.success(request, _("The token is revoked: programs using it are signed out."))
    else:
        messages.error(request, _("There is no such token on your account."))
    return redirect("profile")


def _safe_next(request, fallback: str) -> str:
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=form.user)
        update_session_auth_hash(self.request, form.user)
        messages.success(
            self.request,
            _("Your password is changed. API tokens made with the old one are revoked."),
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link. The answer is the same whether or not an account has the address."""

    template_name = "accounts/password_reset.html"
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    form_class = QueuedPasswordResetForm
    success_url = reverse_lazy("password_reset_done")
    extra_email_context = {"base_url": settings.BASE_URL, "site_name": "Cluster Manager Academy"}

    def post(self, request, *args, **kwargs):
        if reset_ip_throttled(request):
            return too_many(request)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        if reset_address_throttled(self.request, form.cleaned_data["email"]):
            # Enough messages went to this address: answer as usual, send nothing.
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        password_changed(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


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
