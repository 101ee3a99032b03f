from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Courses")

    def ready(self):
        from django.db.models.signals import post_delete, post_save
        from wagtail.models import Page
        from wagtail.signals import page_published, page_unpublished, post_page_move

        from courses.models import (
            CoursePrerequisite,
            QualificationCourse,
            QualificationPrerequisite,
        )
        from courses.outline import outline_changed

        def invalidate(sender, instance=None, **kwargs):
            if instance is None or isinstance(
                instance,
                Page | QualificationCourse | CoursePrerequisite | QualificationPrerequisite,
            ):
                outline_changed()

        # weak=False: `invalidate` is local to this method; a weak reference would die with it.
        for signal in (page_published, page_unpublished, post_page_move):
            signal.connect(invalidate, weak=False, dispatch_uid=f"courses-outline-{signal!r}")
        post_save.connect(invalidate, weak=False, dispatch_uid="courses-outline-save")
        post_delete.connect(invalidate, weak=False, dispatch_uid="courses-outline-delete")
