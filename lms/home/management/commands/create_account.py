"""manage.py create_account: create (or update) a learner, instructor or staff account."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from courses.teaching import teaching_assign
from lms.accounts.models import User
from lms.accounts.services import account_create


class Command(BaseCommand):
    help = (
        "Create an account with a role. Running it again with the same arguments changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="learner, instructor or staff")
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--teaches",
            nargs="+",
            default=[],
            metavar="SLUG",
            help="Instructors only: slugs of the courses or qualifications whose submissions they grade.",
        )

    def handle(self, *args, role, username, password, full_name, email, teaches, **options):
        if role not in User.Role.values:
            raise CommandError(
                f"Unknown role {role!r}; choose one of: {', '.join(User.Role.values)}."
            )
        if teaches and role != User.Role.INSTRUCTOR:
            raise CommandError("--teaches is for instructors only.")
        try:
            user, created = account_create(
                role=role, username=username, password=password, full_name=full_name, email=email
            )
            if teaches:
                teaching_assign(instructor=user, slugs=teaches)
        except (ValueError, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        verb = "Created" if created else "Updated"
        self.stdout.write(f"{verb} {role} account {user.username!r}.")
