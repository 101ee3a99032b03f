"""The Notification model moves to lms.notifications (its migration renames the table)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("courses", "0002_attempt_allowance")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Notification")],
            database_operations=[],
        ),
    ]
