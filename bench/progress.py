"""Progress pipeline benchmark: events per second through real workers, and whether the work per
event grows with the size of the site.

    python bench/progress.py            # uses DATABASE_URL / REDIS_URL if set (CI: PostgreSQL, Redis)

1. Per-event cost at 100 and at 10,000 enrolments, side by side in this process: the same batch
   of lesson-completion events (300 events for 100 learners) is folded into snapshots
   (courses.progress.learner_events_process) on a site with 100 enrolments, then on the same site
   grown to 10,000. Bar: cost at 10,000 / cost at 100 <= 1.3.
2. Throughput: 2,000 events for 500 learners are queued to a real `celery worker` (2 processes)
   and timed until every event is folded.

The last two lines are `events_per_s=<n>` and `per_event_cost_ratio=<x>`.
"""

from __future__ import annotations

import statistics
import time

from _setup import celery_worker, load_small_curriculum, prepare

BATCH_LEARNERS = 100
EVENTS_PER_LEARNER = 3
SMALL, LARGE = 100, 10_000
THROUGHPUT_LEARNERS, THROUGHPUT_EVENTS_PER_LEARNER = 500, 4
REPEATS = 5


def make_learners(count: int, prefix: str, course):
    """`count` learners enrolled in `course`, each with an (empty) snapshot, in bulk."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from courses.models import Enrolment, ProgressSnapshot

    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.org", role="learner")
            for i in range(count)
        ],
        batch_size=2000,
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    now = timezone.now()
    enrolments = Enrolment.objects.bulk_create(
        [Enrolment(learner=u, page=course, kind="course", enrolled_at=now) for u in users],
        batch_size=2000,
    )
    enrolments = list(Enrolment.objects.filter(learner__in=users))
    ProgressSnapshot.objects.bulk_create(
        [ProgressSnapshot(enrolment=e, facts={}) for e in enrolments], batch_size=2000
    )
    return users


def record_events(users, lessons, per_learner, tag):
    """Completions and their events, as lesson_complete writes them, in bulk."""
    from django.utils import timezone

    from courses.models import LessonCompletion, ProgressEvent

    now = timezone.now()
    completions, events = [], []
    for user in users:
        for lesson in lessons[:per_learner]:
            completions.append(LessonCompletion(learner=user, lesson=lesson))
            events.append(
                ProgressEvent(
                    learner=user,
                    kind="lesson_completed",
                    key=f"bench:{tag}:{user.id}:{lesson.id}",
                    payload={"lesson": lesson.id},
                    occurred_at=now,
                )
            )
    LessonCompletion.objects.bulk_create(completions, batch_size=2000, ignore_conflicts=True)
    ProgressEvent.objects.bulk_create(events, batch_size=2000)
    return len(events)


def reset(users):
    from courses.models import LessonCompletion, ProgressEvent, ProgressSnapshot

    ProgressEvent.objects.filter(learner__in=users).delete()
    LessonCompletion.objects.filter(learner__in=users).delete()
    ProgressSnapshot.objects.filter(enrolment__learner__in=users).update(
        facts={}, summary={}, percent=0
    )


def per_event_cost(users, lessons, tag) -> float:
    from courses.progress import learner_events_process

    timings = []
    for repeat in range(REPEATS):
        reset(users)
        events = record_events(users, lessons, EVENTS_PER_LEARNER, f"{tag}{repeat}")
        start = time.perf_counter()
        for user in users:
            learner_events_process(learner_id=user.id)
        timings.append((time.perf_counter() - start) / events)
    return statistics.median(timings)


def throughput(env, course, lessons) -> float:
    from courses.models import ProgressEvent
    from courses.tasks import process_progress

    users = make_learners(THROUGHPUT_LEARNERS, "tp", course)
    with celery_worker(env, concurrency=2, name="bench-progress"):
        events = record_events(users, lessons, THROUGHPUT_EVENTS_PER_LEARNER, "tp")
        start = time.perf_counter()
        for user in users:
            process_progress.delay(user.id)
        while ProgressEvent.objects.filter(learner__in=users, processed_at__isnull=True).exists():
            if time.perf_counter() - start > 600:
                raise RuntimeError("events were not processed within 10 minutes")
            time.sleep(0.1)
        elapsed = time.perf_counter() - start
    return events / elapsed


def main() -> None:
    env = prepare("progress")
    from lms.celery import app

    app.conf.task_always_eager = False
    load_small_curriculum()
    from courses.models import CoursePage, LessonPage

    course = CoursePage.objects.get(slug="course-one", locale__language_code="en")
    lessons = list(LessonPage.objects.descendant_of(course).order_by("path"))

    batch = make_learners(BATCH_LEARNERS, "batch", course)
    small = per_event_cost(batch, lessons, "small")
    make_learners(LARGE - SMALL, "bulk", course)
    large = per_event_cost(batch, lessons, "large")
    ratio = large / small
    print(f"per-event cost with {SMALL:,} enrolments: {small * 1000:.3f} ms")
    print(f"per-event cost with {LARGE:,} enrolments: {large * 1000:.3f} ms")
    print(f"bar: ratio <= 1.3 -> {'PASS' if ratio <= 1.3 else 'FAIL'}")
    rate = throughput(env, course, lessons)
    print(f"throughput through a real worker (2 processes): {rate:.0f} events/s")
    print(f"events_per_s={rate:.0f}")
    print(f"per_event_cost_ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
