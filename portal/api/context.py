"""A list view's serializer context, read once per page."""

from __future__ import annotations

from collections.abc import Callable


class PageContextMixin:
    """For list views whose rows all need the same read (the holiday calendar, for working-day counts):
    `page_context()` runs once per page and its keys join the serializer context. Not while the schema
    is generated (no request to answer, and maybe no database, as in `check --deploy`)."""

    page_context: Callable[[], dict]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        return {**context, **self.page_context()}
