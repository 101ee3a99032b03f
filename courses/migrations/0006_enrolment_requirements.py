from django.db import migrations, models


def requirements_as_enrolled(apps, schema_editor):
    """Each qualification enrolment made so far keeps the qualification's requirements of today:
    the outline it was made under."""
    Enrolment = apps.get_model("courses", "Enrolment")
    QualificationCourse = apps.get_model("courses", "QualificationCourse")
    QualificationPage = apps.get_model("courses", "QualificationPage")
    courses = {}
    for link in QualificationCourse.objects.order_by("qualification_id", "sort_order", "id"):
        courses.setdefault(link.qualification_id, []).append(link.course_id)
    evidence = dict(QualificationPage.objects.values_list("id", "evidence_required"))
    for enrolment in Enrolment.objects.filter(kind="qualification", requirements__isnull=True):
        enrolment.requirements = {
            "courses": courses.get(enrolment.page_id, []),
            "evidence_required": evidence.get(enrolment.page_id, False),
        }
        enrolment.save(update_fields=["requirements"])


class Migration(migrations.Migration):

    dependencies = [
        ("courses", "0005_check_banks_and_attempt_draws"),
    ]

    operations = [
        migrations.AddField(
            model_name='enrolment',
            name='requirements',
            field=models.JSONField(blank=True, help_text="A qualification enrolment's outline, kept from when the learner enrolled: the required courses and whether evidence is reviewed. Changed only by moving the learner to the current outline.", null=True, verbose_name='requirements'),
        ),
        migrations.RunPython(requirements_as_enrolled, migrations.RunPython.noop),
    ]
