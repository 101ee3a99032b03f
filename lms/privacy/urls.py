from django.urls import path

from . import views

urlpatterns = [
    path("data/", views.export, name="privacy_export"),
    path("data/<int:export_id>/download/", views.export_download, name="privacy_export_download"),
    path("delete/", views.delete, name="privacy_delete"),
]
