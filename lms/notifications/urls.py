from django.urls import path

from lms.notifications import views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path(
        "notifications/<int:notification_id>/open/",
        views.notification_open,
        name="notifications-open",
    ),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notifications-read",
    ),
    path(
        "notifications/unsubscribe/<str:token>/",
        views.unsubscribe,
        name="notifications-unsubscribe",
    ),
    path(
        "accounts/notifications/settings/",
        views.notification_settings,
        name="notifications-settings",
    ),
]
