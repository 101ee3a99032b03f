"""django-tasks jobs for the tests of Wagtail's background jobs on our workers: importable by a
real worker process, recording their runs in a file the test names (a worker shares no memory
with the test)."""

from pathlib import Path

from django.db import IntegrityError
from django_tasks import task


def runs(log: str) -> list[str]:
    path = Path(log)
    return path.read_text().split() if path.exists() else []


def _record(log: str, name: str) -> int:
    with open(log, "a") as file:
        file.write(f"{name}\n")
    return runs(log).count(name)


@task()
def record(log: str, name: str) -> None:
    _record(log, name)


@task()
def loses_the_first_race(log: str, name: str) -> None:
    """Refused by a unique constraint the first time, as an index update is when another worker
    inserted the same index row a moment before."""
    if _record(log, name) == 1:
        raise IntegrityError("UNIQUE constraint failed: wagtailsearch_indexentry")


@task()
def always_refused(log: str, name: str) -> None:
    _record(log, name)
    raise IntegrityError("UNIQUE constraint failed: wagtailsearch_indexentry")
