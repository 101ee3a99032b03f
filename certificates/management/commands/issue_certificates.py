"""manage.py issue_certificates: issue every certificate a qualification owes, with progress."""

import time

from django.core.management.base import BaseCommand, CommandError

from certificates.awards import awards_for_bulk
from certificates.issuance import certificate_issue
from certificates.models import Certificate
from courses.models import Cohort, QualificationPage
from lms.localization import default_locale


class Command(BaseCommand):
    help = (
        "Queue certificates for learners who met a qualification's requirements and have none; "
        "waits and shows progress while the workers issue them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--qualification", required=True, metavar="SLUG")
        parser.add_argument(
            "--cohort", type=int, metavar="ID", help="Only learners of this cohort."
        )
        parser.add_argument(
            "--here", action="store_true", help="Issue in this process instead of on the workers."
        )
        parser.add_argument(
            "--timeout", type=int, default=1800, help="Seconds to wait for the workers."
        )

    def handle(self, *args, qualification, cohort, here, timeout, **options):
        page = QualificationPage.objects.filter(slug=qualification, locale=default_locale()).first()
        if page is None:
            raise CommandError(f"No qualification with the slug {qualification!r}.")
        if cohort is not None and not Cohort.objects.filter(pk=cohort, page=page).exists():
            raise CommandError(f"Cohort {cohort} is not a cohort of {page.title}.")
        awards = awards_for_bulk(qualification=page, cohort_id=cohort)
        total = len(awards)
        self.stdout.write(f"{total} certificates to issue for {page.title}.")
        if not total:
            return
        ids = [a.id for a in awards]
        if here:
            for done, award_id in enumerate(ids, start=1):
                certificate_issue(award_id=award_id)
                self.stdout.write(f"  {done}/{total}")
            return
        deadline = time.monotonic() + timeout
        done = 0
        while time.monotonic() < deadline:
            done = (
                Certificate.objects.filter(award_id__in=ids).values("award_id").distinct().count()
            )
            self.stdout.write(f"  issued {done}/{total}")
            if done >= total:
                return
            time.sleep(2)
        raise CommandError(
            f"Only {done} of {total} issued before the timeout; are the workers running?"
        )
