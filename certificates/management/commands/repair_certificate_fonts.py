"""manage.py repair_certificate_fonts: make the Chinese in certificates issued before the fix of
the faces' character ids show in every PDF reader (certificates/font_repair.py)."""

from django.core.management.base import BaseCommand

from certificates.font_repair import certificates_fonts_repair


class Command(BaseCommand):
    help = (
        "Repair the Chinese faces embedded in issued certificate PDFs so that MuPDF, Ghostscript "
        "and Acrobat show them; pages, credential and metadata are left as issued. Safe to run "
        "again: a repaired PDF is left alone."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count the certificates that need it."
        )

    def handle(self, *args, dry_run, **options):
        def progress(certificate):
            self.stdout.write(f"  {certificate.id} ({certificate.language})")

        result = certificates_fonts_repair(dry_run=dry_run, progress=progress)
        verb = "need repair" if dry_run else "repaired"
        self.stdout.write(f"{result.checked} certificates checked, {result.repaired} {verb}.")
