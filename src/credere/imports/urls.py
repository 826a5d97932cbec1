"""The imports pages (names in the staff application's ``web`` namespace)."""

from django.urls import path

from credere.imports import views

urlpatterns = [
    path("imports/", views.imports, name="imports"),
    path("imports/new/", views.import_new, name="import-new"),
    path("imports/runs/<int:run_id>/", views.import_run, name="import-run"),
    path("imports/<uuid:upload_id>/", views.import_upload, name="import-upload"),
    path("imports/<uuid:upload_id>/progress/", views.import_progress, name="import-progress"),
    path("imports/<uuid:upload_id>/mapping/", views.import_mapping, name="import-mapping"),
    path("imports/<uuid:upload_id>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<uuid:upload_id>/cancel/", views.import_cancel, name="import-cancel"),
]
