"""The cached curriculum outline (courses/outline.py) follows the committed page tree.

These tests commit (transactional_db): a new outline version is published when a transaction
that changed pages commits, and only then.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import transaction

from courses.models import LessonPage
from courses.outline import VERSION_KEY, get_outline
from tests.conftest import Curriculum, load_test_curriculum

pytestmark = pytest.mark.django_db(transaction=True)


def new_lesson(module, slug):
    module.add_child(
        instance=LessonPage(
            title=slug,
            slug=slug,
            summary="New.",
            body=[{"type": "rich_text", "value": "<p>New.</p>"}],
        )
    )
    return LessonPage.objects.get(slug=slug)


def test_a_committed_change_publishes_a_new_outline():
    load_test_curriculum()
    module = Curriculum().checks()[0].get_parent()
    before = cache.get(VERSION_KEY)
    assert before is not None

    with transaction.atomic():
        lesson = new_lesson(module, "lesson-1-3")
        # Inside the transaction its own change is visible ...
        assert lesson.id in get_outline().lesson_module
        # ... while other processes keep the committed version until it commits.
        assert cache.get(VERSION_KEY) == before

    assert cache.get(VERSION_KEY) != before
    assert lesson.id in get_outline().lesson_module


def test_a_rolled_back_change_does_not_stop_later_ones_being_published():
    load_test_curriculum()
    module = Curriculum().checks()[0].get_parent()

    def failed_edit():
        with transaction.atomic():
            new_lesson(module, "abandoned")
            raise RuntimeError("the editor's save failed")

    with pytest.raises(RuntimeError):
        failed_edit()
    assert not LessonPage.objects.filter(slug="abandoned").exists()
    assert get_outline().version != "uncommitted"

    before = cache.get(VERSION_KEY)
    with transaction.atomic():
        lesson = new_lesson(module, "lesson-1-3")
    assert cache.get(VERSION_KEY) != before, "the committed change was published"
    assert lesson.id in get_outline().lesson_module
