from django.urls import path

from portal.notifications.api import views

urlpatterns = [
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/unread-count/", views.UnreadCountView.as_view(), name="notifications-unread-count"),
    path("notifications/preferences/", views.PreferencesView.as_view(), name="notifications-preferences"),
    path("notifications/<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("notifications/digest/", views.DigestView.as_view(), name="notifications-digest"),
    path("webhooks/", views.WebhooksView.as_view(), name="webhooks"),
]
