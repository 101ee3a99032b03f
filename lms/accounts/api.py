"""API routes for tokens, registration, passwords, e-mail addresses and the profile."""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from lms.auth import AUTH, bearer, bearer_token

from .forms import QueuedPasswordResetForm
from .models import User
from .services import (
    api_token_issue,
    api_token_revoke,
    api_token_revoke_raw,
    api_tokens_of,
    email_change_confirm,
    email_confirm,
    email_confirmation_send,
    learner_register,
    password_change,
    password_changed,
    profile_update,
)
from .throttle import (
    email_link_throttled,
    register_ip_throttled,
    reset_address_throttled,
    reset_ip_throttled,
    sign_in_throttled,
)

router = Router(tags=["auth"])
TOO_MANY = "Too many requests. Wait a few minutes and try again."
TOO_MANY_REGISTRATIONS = (
    "Too many accounts were registered from this address in the last hour. Wait an hour and "
    "try again."
)


class ErrorOut(Schema):
    detail: str


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class RegisterIn(Schema):
    username: str
    email: str
    password: str
    full_name: str
    preferred_language: str = "en"


class AccountOut(Schema):
    id: int
    username: str
    email: str
    full_name: str
    role: str
    preferred_language: str
    email_confirmed: bool


class RegisteredOut(AccountOut):
    confirmation: str


class TokenInfo(Schema):
    id: int
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime


class Message(Schema):
    detail: str


class LinkTokenIn(Schema):
    token: str


class ResetIn(Schema):
    email: str


class ResetConfirmIn(Schema):
    uid: str
    token: str
    new_password: str


class PasswordChangeIn(Schema):
    old_password: str
    new_password: str


class ProfileIn(Schema):
    full_name: str
    preferred_language: str
    email: str | None = None


class ProfileOut(AccountOut):
    email_change_pending: bool = False


RESET_ANSWER = (
    "If an account has this address, a link to choose a new password is on its way; it works "
    "for two hours."
)


@router.post(
    "/token",
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Get a token",
)
def token(request, payload: TokenIn):
    """A bearer token for a username and password. Throttled per client address, and per
    address and username together (429)."""
    if sign_in_throttled(request, username=payload.username):
        raise HttpError(429, TOO_MANY)
    raw = api_token_issue(username=payload.username, password=payload.password)
    if raw is None:
        raise HttpError(401, "Wrong username or password.")
    return {"token": raw}


@router.post("/logout", response={204: None, 401: ErrorOut}, auth=[bearer])
def logout(request):
    """Revoke the bearer token this request carries."""
    api_token_revoke_raw(bearer_token(request) or "")
    return Status(204, None)


@router.get("/tokens", response={200: list[TokenInfo], 401: ErrorOut}, auth=AUTH)
def tokens(request):
    """The caller's live tokens (never their values): created, last used, expiry."""
    return list(api_tokens_of(request.auth))


@router.post(
    "/tokens/{token_id}/revocation", response={204: None, 401: ErrorOut, 404: ErrorOut}, auth=AUTH
)
def token_delete(request, token_id: int):
    """Revoke one of the caller's tokens."""
    if not api_token_revoke(user=request.auth, token_id=token_id):
        raise HttpError(404, "You have no token with this id.")
    return Status(204, None)


@router.post(
    "/register",
    response={201: RegisteredOut, 400: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="Register",
)
def register(request, payload: RegisterIn):
    """Create a learner account. It can enrol once the e-mailed link confirms its address
    (`confirmation: "pending"`); see POST /auth/confirm-email. Throttled per client address,
    together with the web form (429)."""
    if register_ip_throttled(request):
        raise HttpError(429, TOO_MANY_REGISTRATIONS)
    user = learner_register(**payload.dict())
    return Status(201, {**_account(user), "confirmation": "pending"})


@router.post("/confirm-email", response={200: AccountOut, 400: ErrorOut}, auth=None)
def confirm_email(request, payload: LinkTokenIn):
    """Confirm an address with the token of the e-mailed link (the last part of its path)."""
    return _account(email_confirm(token=payload.token))


@router.post(
    "/confirm-email/resend", response={202: Message, 401: ErrorOut, 429: ErrorOut}, auth=AUTH
)
def confirm_email_resend(request):
    """Send the caller a new confirmation link."""
    user = request.auth
    if user.email_confirmed:
        return Status(202, {"detail": "Your email address is already confirmed."})
    if email_link_throttled(request, user.pk):
        raise HttpError(429, TOO_MANY)
    email_confirmation_send(user=user)
    return Status(202, {"detail": f"A new confirmation link is on its way to {user.email}."})


@router.post("/password/reset", response={202: Message, 400: ErrorOut, 429: ErrorOut}, auth=None)
def password_reset(request, payload: ResetIn):
    """E-mail a password-reset link. The answer is the same for addresses with and without an
    account. Throttled per client address (429) and per e-mail address (silently)."""
    if reset_ip_throttled(request):
        raise HttpError(429, TOO_MANY)
    form = QueuedPasswordResetForm({"email": payload.email})
    if not form.is_valid():
        raise ValidationError({"email": form.errors["email"]})
    if not reset_address_throttled(request, form.cleaned_data["email"]):
        form.save(
            request=request,
            use_https=request.is_secure(),
            email_template_name="emails/password_reset.txt",
            subject_template_name="emails/password_reset_subject.txt",
            extra_email_context={
                "base_url": settings.BASE_URL,
                "site_name": "Cluster Manager Academy",
            },
        )
    return Status(202, {"detail": RESET_ANSWER})


@router.post("/password/reset/confirm", response={200: Message, 400: ErrorOut}, auth=None)
def password_reset_confirm(request, payload: ResetConfirmIn):
    """Set a new password with the `uid` and `token` of the e-mailed link
    (…/password/reset/<uid>/<token>/). Revokes the account's API tokens."""
    user = _reset_user(payload.uid, payload.token)
    form = SetPasswordForm(
        user, {"new_password1": payload.new_password, "new_password2": payload.new_password}
    )
    if not form.is_valid():
        raise ValidationError({"new_password": [m for ms in form.errors.values() for m in ms]})
    form.save()
    password_changed(user=user)
    return {"detail": "Your new password is set. Log in with it."}


def _reset_user(uid: str, token: str) -> User:
    try:
        user = User.objects.filter(pk=int(force_str(urlsafe_base64_decode(uid)))).first()
    except (TypeError, ValueError, OverflowError):
        user = None
    if user is None or not default_token_generator.check_token(user, token):
        raise HttpError(400, "This reset link is not valid: used already, expired or incomplete.")
    return user


@router.post("/password/change", response={200: Message, 400: ErrorOut, 401: ErrorOut}, auth=AUTH)
def password_change_api(request, payload: PasswordChangeIn):
    """Change the caller's password. Every API token of the account is revoked, this one too."""
    password_change(
        user=request.auth, old_password=payload.old_password, new_password=payload.new_password
    )
    return {"detail": "Your password is changed. Get a new token with the new password."}


@router.get("/profile", response={200: AccountOut, 401: ErrorOut}, auth=AUTH)
def profile(request):
    return _account(request.auth)


@router.post(
    "/profile", response={200: ProfileOut, 400: ErrorOut, 401: ErrorOut, 429: ErrorOut}, auth=AUTH
)
def profile_put(request, payload: ProfileIn):
    """Save the name printed on certificates and the preferred language. A different `email`
    gets a confirmation link; the address changes when it is followed
    (`email_change_pending: true` until then; POST /auth/change-email)."""
    user = request.auth
    changing = payload.email is not None and payload.email.strip().lower() != user.email.lower()
    if changing and email_link_throttled(request, user.pk):
        raise HttpError(429, TOO_MANY)
    sent = profile_update(user=user, **payload.dict())
    return {**_account(user), "email_change_pending": sent}


@router.post("/change-email", response={200: AccountOut, 400: ErrorOut}, auth=None)
def change_email(request, payload: LinkTokenIn):
    """Take the new address with the token of the link sent to it."""
    return _account(email_change_confirm(token=payload.token))


def _account(user: User) -> dict:
    return {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "preferred_language": user.preferred_language,
        "email_confirmed": user.email_confirmed,
    }
