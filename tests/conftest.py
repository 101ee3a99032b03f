"""Shared fixtures: users by role, the small test curriculum, and a clean cache per test.

The curriculum: loading it takes seconds, so the real loader builds it once per session and the
result is dumped; each test module loads that dump inside an outer transaction that is rolled
back when the module ends, and every test runs in a savepoint inside it (pytest-django's `db`),
so tests never see each other's writes. Tests that need committed data (threads, a real worker)
use `committed_curriculum`, in modules of their own.
"""

import io
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction

from lms.accounts.services import account_create

FIXTURE_CURRICULUM = Path(__file__).parent / "fixtures" / "curriculum"


@pytest.fixture(autouse=True)
def _clean_cache():
    from courses import outline

    cache.clear()
    outline._memo.clear()
    yield
    outline._memo.clear()


def ensure_wagtail_root():
    """Wagtail's root page and default locale, which a flushed test database lacks."""
    from wagtail.models import Locale, Page

    Locale.objects.get_or_create(language_code="en")
    if Page.get_first_root_node() is None:
        Page.add_root(
            instance=Page(title="Root", slug="root", content_type_id=_page_content_type_id())
        )


def _page_content_type_id() -> int:
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page

    return ContentType.objects.get_for_model(Page).id


def load_test_curriculum():
    from courses.curriculum.loader import curriculum_load

    ensure_wagtail_root()
    return curriculum_load(content_dir=FIXTURE_CURRICULUM)


@pytest.fixture(scope="session")
def _curriculum_dump(django_db_setup, django_db_blocker, tmp_path_factory):
    """The test curriculum as the real loader builds it, dumped once for the whole session."""
    dump = tmp_path_factory.mktemp("curriculum") / "curriculum.json"
    with django_db_blocker.unblock(), transaction.atomic():
        load_test_curriculum()
        call_command(
            "dumpdata",
            *DUMPED_MODELS,
            natural_foreign=True,
            output=str(dump),
            stdout=io.StringIO(),
        )
        transaction.set_rollback(True)
    return dump


DUMPED_MODELS = (
    "wagtailcore.locale",
    "wagtailcore.page",
    "wagtailcore.revision",
    "wagtailcore.site",
    "home",
    "courses",
)


@pytest.fixture(scope="module")
def _module_curriculum(_curriculum_dump, django_db_blocker):
    from wagtail.models import Locale, Page

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            # Whatever tree the database holds (Wagtail's placeholder, or nothing after a
            # transactional test flushed it) makes way for the loaded one.
            Page.objects.all().delete()
            Locale.objects.all().delete()
            call_command("loaddata", str(_curriculum_dump), stdout=io.StringIO())
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def curriculum(_module_curriculum, db):
    """The small two-course test curriculum, loaded once per module (see the docstring)."""
    return Curriculum()


@pytest.fixture
def committed_curriculum(transactional_db):
    """The curriculum committed for real, for tests whose threads or workers must see it."""
    load_test_curriculum()
    return Curriculum()


class Curriculum:
    """Handy lookups into the loaded test curriculum (default-language pages)."""

    @property
    def qualification(self):
        from courses.models import QualificationPage

        return QualificationPage.objects.get(slug="test-qualification", locale__language_code="en")

    @property
    def trainer(self):
        from courses.models import QualificationPage

        return QualificationPage.objects.get(slug="test-trainer", locale__language_code="en")

    def course(self, slug="course-one"):
        from courses.models import CoursePage

        return CoursePage.objects.get(slug=slug, locale__language_code="en")

    def lessons(self, course_slug="course-one"):
        from courses.models import LessonPage

        return list(LessonPage.objects.descendant_of(self.course(course_slug)).order_by("path"))

    def checks(self, course_slug="course-one"):
        from courses.models import KnowledgeCheckPage

        return list(
            KnowledgeCheckPage.objects.descendant_of(self.course(course_slug)).order_by("path")
        )

    @property
    def project(self):
        from courses.models import FieldProjectPage

        return FieldProjectPage.objects.child_of(self.qualification).get()


def make_user(role="learner", username=None, **extra):
    username = username or f"{role}-{make_user.counter}"
    make_user.counter += 1
    user, _ = account_create(
        role=role,
        username=username,
        password="a-long-test-password-1",
        full_name=extra.pop("full_name", username.title()),
        email=extra.pop("email", f"{username}@example.org"),
    )
    for key, value in extra.items():
        setattr(user, key, value)
    if extra:
        user.save()
    return user


make_user.counter = 1


@pytest.fixture
def learner(db):
    return make_user("learner", "lena")


@pytest.fixture
def other_learner(db):
    return make_user("learner", "omar")


def make_instructor(username: str, teaches=("test-qualification",)):
    """An instructor who teaches (grades) the test qualification."""
    from courses.teaching import teaching_assign

    user = make_user("instructor", username)
    teaching_assign(instructor=user, slugs=list(teaches))
    return user


@pytest.fixture
def instructor(curriculum):
    return make_instructor("ingrid")


@pytest.fixture
def second_instructor(curriculum):
    return make_instructor("kenji")


@pytest.fixture
def other_instructor(db):
    return make_user("instructor", "olga")


@pytest.fixture
def staff(db):
    return make_user("staff", "sam")


def submit_check(*, learner, check, answers):
    """Open the check (starting or resuming an attempt, as the page and the API do) and submit
    `answers` to its draw (answers to questions not drawn are ignored)."""
    from courses.knowledge_checks import attempt_start, attempt_submit

    attempt_start(learner=learner, check=check)
    return attempt_submit(learner=learner, check=check, answers=answers)


def answers_for(check, correct=True):
    """Answers to every question of a check: all right, or all wrong."""
    from courses.knowledge_checks import questions_of

    answers = {}
    for question in questions_of(check):
        right = [c.id for c in question.choices if c.correct]
        wrong = [c.id for c in question.choices if not c.correct]
        chosen = right if correct else wrong[:1]
        answers[question.id] = chosen if question.multiple else chosen[0]
    return answers
