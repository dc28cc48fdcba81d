from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilConfig(AppConfig):
    name = "council"
    verbose_name = _("Creative Industries Council")

    def ready(self):
        from council.errors import CouncilErrorCode
        from council.policies import holds_a_seat
        from portal.accounts.selectors import Role, role_source_register
        from portal.api.errors import error_codes_register

        # portal/ sits below the council and cannot ask it; the council tells it who holds a seat.
        role_source_register(role=Role.COUNCIL_MEMBER, holds=holds_a_seat)
        error_codes_register(CouncilErrorCode)
