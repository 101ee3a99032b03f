"""Project-level Celery tasks: the bridge that runs django-tasks jobs (Wagtail's) on a worker."""

from celery import shared_task
from django.db import IntegrityError
from django.utils.module_loading import import_string


@shared_task(
    name="lms.run_django_task",
    # Two index updates of one page, sent by two transactions (a page created, then published),
    # can run at once on two worker processes: both find no index row and both insert it, and
    # one is refused by the unique constraint. Run again, the job finds the row and updates it.
    autoretry_for=(IntegrityError,),
    max_retries=3,
    retry_backoff=1,
    retry_jitter=True,
)
def run_django_task(module_path: str, args: list, kwargs: dict) -> None:
    import_string(module_path).call(*args, **kwargs)
