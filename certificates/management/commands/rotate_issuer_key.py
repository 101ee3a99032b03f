"""manage.py rotate_issuer_key: start signing with a new key; earlier certificates stay valid."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates.keys import rotate_issuer_key, signing_key
from certificates.status import status_list_refresh


class Command(BaseCommand):
    help = "Retire the current issuer key (it stays published) and sign with a new one from now on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--key-file", type=Path, help="Use this Ed25519 PEM key instead of generating one."
        )

    def handle(self, *args, key_file=None, **options):
        signing_key()  # make sure there is a current key to retire
        try:
            key = rotate_issuer_key(key_file=key_file)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        status_list_refresh()
        self.stdout.write(
            f"Now signing with {key.public_key_multibase}; earlier keys stay in /.well-known/did.json."
        )
