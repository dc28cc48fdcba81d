"""The development mail backend: every message kept in a file, one log line each.

Django's console backend prints each message in full; under Celery that is several lines of WARNING
per message (the worker logs what a task prints), and the demo sends hundreds of them. Here the
terminal shows who got what, and the message itself waits in EMAIL_FILE_PATH (`.data/mail/`).
"""

from __future__ import annotations

import logging

from django.core.mail.backends.filebased import EmailBackend

logger = logging.getLogger("portal.mail")


class FileEmailBackend(EmailBackend):
    def write_message(self, message):
        super().write_message(message)
        logger.info("mail to %s: %s (in %s)", ", ".join(message.recipients()), message.subject, self._fname)
