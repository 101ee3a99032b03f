"""Development settings: what `make run` uses. Debug on, a secret key kept in the data dir."""

from django.core.management.utils import get_random_secret_key

from .base import *  # noqa: F403
from .base import DATA_DIR, env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)


def _data_dir_secret_key() -> str:
    """A key made once per data dir, so sessions survive restarts without a committed secret."""
    path = DATA_DIR / "secret_key"
    if not path.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = SECRET_KEY or _data_dir_secret_key()  # noqa: F405
