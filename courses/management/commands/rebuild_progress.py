"""manage.py rebuild_progress: recompute every progress snapshot from the event ledger."""

from django.core.management.base import BaseCommand

from courses.progress import progress_rebuild_all


class Command(BaseCommand):
    help = "Recompute every enrolment's progress snapshot and milestones from its learning events."

    def handle(self, *args, **options):
        count = progress_rebuild_all()
        self.stdout.write(f"Rebuilt {count} progress snapshots from events.")
