from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PermitsConfig(AppConfig):
    name = "permits"
    verbose_name = _("Permits")

    def ready(self):
        from permits import checks  # noqa: F401  (registers the system checks)
        from permits.calendar import calendar_status
        from permits.errors import PermitErrorCode
        from permits.receivers import take_files_off_the_new_member
        from portal.accounts.signals import business_link_added
        from portal.api.errors import error_codes_register
        from portal.health.services import warning_register

        business_link_added.connect(take_files_off_the_new_member, dispatch_uid="permits.files_off_member")
        warning_register(name="calendar", check=calendar_status)
        error_codes_register(PermitErrorCode)
