"""A django-tasks backend that runs Wagtail's background jobs on our Celery workers.

Wagtail 8 enqueues its search-index and reference-index updates and file clean-ups through
django-tasks. Running them on the Celery workers means one fleet of workers to run and watch,
with the same acks-late delivery as our own tasks, on a queue of their own (see CELERY_TASK_ROUTES).
Jobs are sent when the surrounding transaction commits, so a worker never looks for a row that
is not there yet; a job asked for twice in one transaction (a page saved three times while
publishing) is sent once.
"""

import json

from django.db import transaction
from django.utils import timezone
from django_tasks.backends.base import BaseTaskBackend
from django_tasks.base import Task, TaskResult, TaskResultStatus
from django_tasks.utils import get_random_id

from lms import tasks


class CeleryBackend(BaseTaskBackend):
    supports_defer = True

    def enqueue(self, task: Task, args, kwargs) -> TaskResult:
        self.validate_task(task)
        result = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=timezone.now(),
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=list(args),
            kwargs=dict(kwargs),
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        connection = transaction.get_connection()
        pending = connection.__dict__.setdefault("_lms_pending_django_tasks", set())
        key = (task.module_path, json.dumps([list(args), kwargs], sort_keys=True, default=str))
        if key in pending:
            return result
        pending.add(key)

        def send():
            pending.discard(key)
            tasks.run_django_task.apply_async(
                args=(task.module_path, list(args), dict(kwargs)), eta=task.run_after
            )

        transaction.on_commit(send, robust=True)
        return result
