"""Celery tasks of privacy: build an archive, sweep expired ones."""

from celery import shared_task

from lms.privacy import services


@shared_task(name="privacy.tasks.build_data_export", autoretry_for=(OSError,), max_retries=3)
def build_data_export(export_id: int) -> bool:
    return services.data_export_build(export_id=export_id)


@shared_task(name="privacy.tasks.sweep_data_exports")
def sweep_data_exports() -> int:
    return services.data_exports_sweep()
