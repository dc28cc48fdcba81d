"""Placeholder until this topic lands; replaced by its own views."""

urlpatterns: list = []
