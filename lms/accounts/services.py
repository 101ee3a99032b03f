"""Account rules: accounts by role, self-registration, addresses, passwords and API tokens."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import Group, Permission
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .emails import account_email
from .models import ApiToken, User, hash_token
from .validators import validate_full_name, validate_no_control_characters

API_TOKEN_LIFETIME = timedelta(days=30)
TOKEN_USE_RESOLUTION = timedelta(minutes=1)
EMAIL_LINK_MAX_AGE = timedelta(days=3)
CONFIRM_SALT = "lms.accounts.confirm-email"
CHANGE_SALT = "lms.accounts.change-email"
STAFF_GROUP = "Staff"
# Apps whose models staff manage in the admin.
STAFF_APP_LABELS = (
    "accounts",
    "courses",
    "certificates",
    "lti",
    "xapi",
    "wagtailimages",
    "wagtaildocs",
)


def staff_group() -> Group:
    """The group that gives staff the Wagtail admin, page editing and our models' permissions."""
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    perms = (
        Permission.objects.filter(content_type__app_label__in=STAFF_APP_LABELS)
        | Permission.objects.filter(content_type__app_label="wagtailadmin", codename="access_admin")
        # The "Translate" action of wagtail.contrib.simple_translation.
        | Permission.objects.filter(
            content_type__app_label="simple_translation", codename="submit_translation"
        )
        | Permission.objects.filter(
            content_type__app_label="wagtailcore", codename__in=("add_locale", "view_locale")
        )
    )
    group.permissions.add(*perms)
    root_page = Page.get_first_root_node()
    if root_page is not None:
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
            GroupPagePermission.objects.get_or_create(
                group=group,
                page=root_page,
                permission=Permission.objects.get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    root_collection = Collection.get_first_root_node()
    if root_collection is not None:
        for perm in Permission.objects.filter(
            content_type__app_label__in=("wagtailimages", "wagtaildocs")
        ):
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=perm
            )
    return group


def _apply_role(user: User, role: str) -> None:
    user.role = role
    user.is_staff = role == User.Role.STAFF
    user.save()
    if role == User.Role.STAFF:
        user.groups.add(staff_group())
    else:
        user.groups.remove(*Group.objects.filter(name=STAFF_GROUP))


@transaction.atomic
def account_create(
    *,
    role: str,
    username: str,
    password: str,
    full_name: str = "",
    email: str = "",
) -> tuple[User, bool]:
    """Create an account with a role, or bring an existing one to the state given.

    Running it twice with the same arguments leaves the same account; a bad role raises
    ValueError naming the choices.
    """
    if role not in User.Role.values:
        raise ValueError(f"Unknown role {role!r}; choose one of: {', '.join(User.Role.values)}.")
    validate_no_control_characters(full_name)
    user, created = User.objects.get_or_create(username=username)
    if full_name:
        user.full_name = full_name
    if email:
        user.email = User.objects.normalize_email(email)
    if created or not user.check_password(password):
        user.set_password(password)
    _apply_role(user, role)
    return user, created


def learner_register(
    *, username: str, email: str, password: str, full_name: str, preferred_language: str = "en"
) -> User:
    """Self-registration of a learner. Raises ValidationError with a message per field."""
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    email = User.objects.normalize_email((email or "").strip())
    full_name = (full_name or "").strip()
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors.setdefault("username", []).extend(exc.messages)
    if not username:
        errors.setdefault("username", []).append("Choose a username.")
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append("That username is taken.")
    if not email or "@" not in email:
        errors.setdefault("email", []).append("Enter a valid email address.")
    elif User.objects.filter(email__iexact=email).exists():
        errors.setdefault("email", []).append("An account with this email address exists.")
    if not full_name:
        errors.setdefault("full_name", []).append(
            "Enter your full name as it should appear on certificates."
        )
    try:
        validate_full_name(full_name)
    except ValidationError as exc:
        errors.setdefault("full_name", []).extend(exc.messages)
    if preferred_language not in dict(settings.LANGUAGES):
        errors.setdefault("preferred_language", []).append(
            f"Choose one of: {', '.join(dict(settings.LANGUAGES))}."
        )
    candidate = User(username=username, email=email, full_name=full_name)
    try:
        password_validation.validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    candidate.role = User.Role.LEARNER
    candidate.preferred_language = preferred_language
    candidate.email_confirmed = False
    candidate.set_password(password)
    candidate.save()
    email_confirmation_send(user=candidate)
    return candidate


def api_token_issue(*, username: str, password: str) -> str | None:
    """A new bearer token for valid credentials of an active account, else None."""
    if "\x00" in username or "\x00" in password:
        # No account has a NUL in its name, and PostgreSQL refuses one in a query.
        return None
    user = authenticate(username=username, password=password)
    if user is None:
        return None
    raw = ApiToken.new_raw_key()
    ApiToken.objects.create(
        user=user, key_hash=hash_token(raw), expires_at=timezone.now() + API_TOKEN_LIFETIME
    )
    return raw


def api_token_user(raw: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=hash_token(raw), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > TOKEN_USE_RESOLUTION:
        # One write a minute per token at most, not one per request.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_tokens_of(user: User):
    """The account's live tokens, newest first (what the profile page lists)."""
    return ApiToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by("-created_at")


def api_token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the account's own tokens. Returns whether there was such a token."""
    deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    return bool(deleted)


def api_token_revoke_raw(raw: str) -> bool:
    """Revoke the token with this value (an API logout). Returns whether it existed."""
    deleted, _ = ApiToken.objects.filter(key_hash=hash_token(raw or "")).delete()
    return bool(deleted)


def api_tokens_revoke_all(*, user: User) -> int:
    """Revoke every token of the account: its password changed, or it was reset."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def password_changed(*, user: User) -> None:
    """What follows a password change or reset: API tokens made with the old one stop working."""
    api_tokens_revoke_all(user=user)


# --- E-mail addresses ------------------------------------------------------------------------


class EmailNotConfirmed(PermissionDenied):
    """A self-registered learner has not followed the link that confirms their address."""

    def __init__(self):
        super().__init__(
            _(
                "Confirm your email address before enrolling: follow the link we sent you, or "
                "ask for a new one from your profile (or POST /api/v1/auth/confirm-email/resend)."
            )
        )


def require_confirmed_email(user) -> None:
    """Raise EmailNotConfirmed unless the account's address is confirmed."""
    if not getattr(user, "email_confirmed", True):
        raise EmailNotConfirmed()


def email_in_use(email: str, *, exclude: User | None = None) -> bool:
    """Whether another account has this address (case-insensitive)."""
    accounts = User.objects.filter(email__iexact=(email or "").strip())
    if exclude is not None:
        accounts = accounts.exclude(pk=exclude.pk)
    return bool(email) and accounts.exists()


def _link(view_name: str, token: str, language: str) -> str:
    with translation.override(language):
        path = reverse(view_name, args=[token])
    return f"{settings.BASE_URL}{path}"


def email_confirmation_send(*, user: User) -> None:
    """E-mail a signed, time-limited link that confirms the account's address."""
    if user.email_confirmed or not user.email:
        return
    token = signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=CONFIRM_SALT)
    account_email(
        user=user,
        to=user.email,
        template="confirm_email",
        context={"url": _link("confirm_email", token, user.preferred_language)},
    )


def email_confirm(*, token: str) -> User:
    """Confirm the address a link was sent to. Raises ValidationError for a bad or old link."""
    data = _unsign(token, CONFIRM_SALT, EMAIL_LINK_MAX_AGE)
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email.lower() != data.get("e"):
        raise ValidationError(_("This confirmation link is not valid for any account."))
    if not user.email_confirmed:
        user.email_confirmed = True
        user.save(update_fields=["email_confirmed"])
    return user


def email_change_request(*, user: User, new_email: str) -> str:
    """Send a link to `new_email`; the account's address changes only when it is followed.

    Returns the normalised address. Raises ValidationError for a bad or taken address.
    """
    new_email = User.objects.normalize_email((new_email or "").strip())
    try:
        validate_email(new_email)
    except ValidationError:
        raise ValidationError({"email": [_("Enter a valid email address.")]}) from None
    if email_in_use(new_email, exclude=user):
        raise ValidationError({"email": [_("An account with this email address exists.")]})
    token = signing.dumps({"u": user.pk, "e": new_email, "old": user.email}, salt=CHANGE_SALT)
    account_email(
        user=user,
        to=new_email,
        template="change_email",
        context={
            "url": _link("change_email", token, user.preferred_language),
            "new_email": new_email,
        },
    )
    return new_email


@transaction.atomic
def email_change_confirm(*, token: str) -> User:
    """Follow an address-change link: the account takes the new (now confirmed) address."""
    data = _unsign(token, CHANGE_SALT, EMAIL_LINK_MAX_AGE)
    user = User.objects.select_for_update().filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email != data.get("old"):
        # Changed again since, or the account is gone: an old link must not undo a newer change.
        raise ValidationError(_("This link is no longer valid. Ask for a new one."))
    if email_in_use(data["e"], exclude=user):
        raise ValidationError(_("Another account has taken this email address meanwhile."))
    user.email = data["e"]
    user.email_confirmed = True
    user.save(update_fields=["email", "email_confirmed"])
    return user


def _unsign(token: str, salt: str, max_age: timedelta) -> dict:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(_("This link has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise ValidationError(
            _("This link is not valid. Check that it was copied whole.")
        ) from None
    if not isinstance(data, dict):
        raise ValidationError(_("This link is not valid. Check that it was copied whole."))
    return data


# --- Profile and password ----------------------------------------------------------------------


def profile_update(
    *, user: User, full_name: str, preferred_language: str, email: str | None = None
) -> bool:
    """Save the name and language; a new address only gets a link (see email_change_request).

    Returns whether a confirmation link was sent to a new address.
    """
    errors: dict[str, list[str]] = {}
    full_name = (full_name or "").strip()
    if not full_name:
        errors["full_name"] = [_("Enter your full name as it should appear on certificates.")]
    try:
        validate_full_name(full_name)
    except ValidationError as exc:
        errors.setdefault("full_name", []).extend(exc.messages)
    if preferred_language not in dict(settings.LANGUAGES):
        errors["preferred_language"] = [
            _("Choose one of: %(codes)s.") % {"codes": ", ".join(dict(settings.LANGUAGES))}
        ]
    if errors:
        raise ValidationError(errors)
    sent = False
    if email is not None and email.strip().lower() != (user.email or "").lower():
        email_change_request(user=user, new_email=email)
        sent = True
    user.full_name = full_name
    user.preferred_language = preferred_language
    user.save(update_fields=["full_name", "preferred_language"])
    return sent


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    """Change the password knowing the old one; revokes the account's API tokens."""
    if not user.check_password(old_password or ""):
        raise ValidationError({"old_password": [_("Your old password was entered incorrectly.")]})
    try:
        password_validation.validate_password(new_password or "", user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    password_changed(user=user)
