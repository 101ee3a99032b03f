"""manage.py create_demo_accounts: the accounts `make run` prints, for trying the site locally."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from courses.teaching import teaching_assign
from lms.accounts.services import account_create

DEMO_ACCOUNTS = [
    # role, username, password, full name, slugs taught
    ("learner", "learner", "learn-clusters-2026", "Lena Fischer", []),
    ("learner", "learner-zh", "learn-clusters-2026", "王小明", []),
    (
        "instructor",
        "instructor",
        "teach-clusters-2026",
        "Ingrid Moreau",
        ["certified-cluster-manager"],
    ),
    ("instructor", "moderator", "teach-clusters-2026", "Kenji Sato", ["certified-cluster-manager"]),
    ("staff", "staff", "staff-clusters-2026", "Sam Okafor", []),
]


class Command(BaseCommand):
    help = "Create the demo accounts (local development only) and print their logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-without-debug", action="store_true", help="Create them even with DEBUG off."
        )

    def handle(self, *args, allow_without_debug=False, **options):
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError("Demo accounts have published passwords: DEBUG must be on.")
        rows = []
        for role, username, password, full_name, teaches in DEMO_ACCOUNTS:
            user, _ = account_create(
                role=role,
                username=username,
                password=password,
                full_name=full_name,
                email=f"{username}@example.org",
            )
            if teaches:
                try:
                    teaching_assign(instructor=user, slugs=teaches)
                except ValueError as exc:
                    self.stderr.write(f"{username}: {exc}")
            if username == "learner-zh":
                user.preferred_language = "zh-hans"
                user.save(update_fields=["preferred_language"])
            rows.append((role, username, password))
        self.stdout.write("Demo accounts (log in at /en/accounts/login/ or /admin/ for staff):")
        for role, username, password in rows:
            self.stdout.write(f"  {role:<11} {username:<11} {password}")
