"""manage.py load_curriculum: build or update the seeded curriculum from courses/content/."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from courses.curriculum.loader import curriculum_load
from courses.curriculum.schema import CONTENT_DIR


class Command(BaseCommand):
    help = (
        "Create or update the curriculum pages (English and Chinese) from the content files. "
        "Pages edited in the CMS since the last load are left alone unless --force is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Overwrite pages edited in the CMS."
        )
        parser.add_argument("--content-dir", type=Path, default=CONTENT_DIR)

    def handle(self, *args, force, content_dir, **options):
        try:
            report = curriculum_load(content_dir=content_dir, force=force)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.lines():
            self.stdout.write(line)
