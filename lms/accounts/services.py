"""Account rules: creating accounts by role, learner self-registration and API tokens."""

from datetime import timedelta

from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .models import ApiToken, User, hash_token
from .validators import validate_no_control_characters

API_TOKEN_LIFETIME = timedelta(days=30)
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
        validate_no_control_characters(full_name)
    except ValidationError as exc:
        errors.setdefault("full_name", []).extend(exc.messages)
    candidate = User(username=username, email=email, full_name=full_name)
    try:
        password_validation.validate_password(password or "", user=candidate)
    except ValidationError as exc:
        errors.setdefault("password", []).extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    candidate.role = User.Role.LEARNER
    candidate.preferred_language = preferred_language
    candidate.set_password(password)
    candidate.save()
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
    return token.user if token else None
