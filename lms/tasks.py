"""Project-level Celery tasks: the bridge that runs django-tasks jobs (Wagtail's) on a worker."""

from celery import shared_task
from django.utils.module_loading import import_string


@shared_task(name="lms.run_django_task")
def run_django_task(module_path: str, args: list, kwargs: dict) -> None:
    import_string(module_path).call(*args, **kwargs)
