"""Signal receivers of courses, connected when the app is ready (CoursesConfig.ready).

The curriculum outline is cached (courses.outline): any change to the page tree or to the links
between courses and qualifications publishes a new version once the change commits.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.models import Page
from wagtail.signals import page_published, page_unpublished, post_page_move

from courses.models import CoursePrerequisite, QualificationCourse, QualificationPrerequisite
from courses.outline import outline_changed

OUTLINE_MODELS = (Page, QualificationCourse, CoursePrerequisite, QualificationPrerequisite)


@receiver(page_published, dispatch_uid="courses-outline-published")
@receiver(page_unpublished, dispatch_uid="courses-outline-unpublished")
@receiver(post_page_move, dispatch_uid="courses-outline-moved")
def page_tree_changed(sender, **kwargs):
    outline_changed()


@receiver(post_save, dispatch_uid="courses-outline-save")
@receiver(post_delete, dispatch_uid="courses-outline-delete")
def outline_row_changed(sender, instance=None, **kwargs):
    if instance is None or isinstance(instance, OUTLINE_MODELS):
        outline_changed()
