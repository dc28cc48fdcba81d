"""Admin edits are writes like any other: each one lands in the audit trail, in the same transaction."""

from __future__ import annotations

from django.contrib import admin
from django.db import transaction

from portal.audit.services import record


def _admin_record(request, obj, verb: str, fields: list[str] | None = None) -> None:
    record(actor=request.user, action=f"admin.{verb}", obj=obj, data={"fields": sorted(fields or [])})


class AuditedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose saves and deletions (inlines included) record audit events."""

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            _admin_record(request, obj, "changed" if change else "created", form.changed_data)

    def delete_model(self, request, obj):
        with transaction.atomic():
            _admin_record(request, obj, "deleted")
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                _admin_record(request, obj, "deleted")
            super().delete_queryset(request, queryset)

    def save_formset(self, request, form, formset, change):
        with transaction.atomic():
            # Deleted rows lose their primary key when deleted: record them while they still have it.
            for inline_form in formset.deleted_forms:
                if inline_form.instance.pk is not None:
                    _admin_record(request, inline_form.instance, "deleted")
            super().save_formset(request, form, formset, change)
            for obj in formset.new_objects:
                _admin_record(request, obj, "created")
            for obj, fields in formset.changed_objects:
                _admin_record(request, obj, "changed", fields)
