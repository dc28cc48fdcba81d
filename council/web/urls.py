"""Public HTML pages of the council: the councils and their published accountability reports."""

from django.urls import path

from council.web import views

urlpatterns = [
    path("", views.council_list_page, name="council-pages"),
    path("reports/", views.report_list_page, name="council-report-pages"),
    path("reports/<int:pk>/", views.report_page, name="council-report-page"),
]
