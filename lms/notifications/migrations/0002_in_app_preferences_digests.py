"""Notifications are kept for the recipient to read in the site (kind, text, link, read_at) and
e-mailed as each person chose per kind (NotificationPreference); daily digests are recorded once
(EmailDigest). Notifications sent before this were e-mails only: they count as read."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def earlier_ones_read(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(read_at__isnull=True).update(read_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField("notification", "sent_at", "created_at"),
        migrations.AlterField(
            model_name="notification",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, db_index=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="notifications",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.CreateModel(
            name="EmailDigest",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=160, unique=True)),
                ("sent_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.AddField(
            model_name="notification",
            name="kind",
            field=models.CharField(blank=True, db_index=True, max_length=40),
        ),
        migrations.AddField(
            model_name="notification", name="body", field=models.TextField(blank=True)
        ),
        migrations.AddField(
            model_name="notification",
            name="link",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.AddField(
            model_name="notification",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="notification",
            name="email",
            field=models.CharField(
                choices=[
                    ("sent", "sent"),
                    ("digest_pending", "waiting for the daily digest"),
                    ("digested", "sent in a daily digest"),
                    ("off", "not e-mailed (turned off)"),
                    ("none", "not e-mailed (no address)"),
                ],
                default="sent",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="notification",
            name="digest",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="notifications",
                to="notifications.emaildigest",
            ),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["user", "read_at"], name="notification_unread"),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(fields=["email", "user"], name="notification_digest_queue"),
        ),
        migrations.CreateModel(
            name="NotificationPreference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("kind", models.CharField(max_length=40)),
                (
                    "email",
                    models.CharField(
                        choices=[
                            ("immediately", "Immediately"),
                            ("daily_digest", "In a daily digest"),
                            ("off", "Off"),
                        ],
                        default="immediately",
                        max_length=20,
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notification_preferences",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("user", "kind"), name="one_preference_per_kind")
                ]
            },
        ),
        migrations.RunPython(earlier_ones_read, migrations.RunPython.noop),
    ]
