"""Development mail: each message in a file under the data folder, one log line for it in the terminal."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from django.core.mail import EmailMessage, get_connection, send_mail

BASE_DIR = Path(__file__).resolve().parents[3]
BACKEND = "portal.notifications.mail.FileEmailBackend"


def test_each_message_is_one_log_line_and_its_body_is_in_the_mail_folder(settings, tmp_path, caplog):
    # given
    settings.EMAIL_BACKEND = BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    caplog.set_level(logging.INFO, logger="portal.mail")

    # when
    send_mail("Your permit KZ-9 has been issued", "Permit: KZ-9\nValid until 2027.", None, ["ana@example.kz"])
    send_mail(
        "APP-2026-000001 is rejected", "Reason: no site plan.", None, ["bek@example.kz", "cem@example.kz"]
    )

    # then: one INFO line per message, naming recipients, subject and file, never the body
    records = [r for r in caplog.records if r.name == "portal.mail"]
    lines = [(r.levelname, r.getMessage().split(" (in ")[0]) for r in records]
    assert lines == [
        ("INFO", "mail to ana@example.kz: Your permit KZ-9 has been issued"),
        ("INFO", "mail to bek@example.kz, cem@example.kz: APP-2026-000001 is rejected"),
    ]
    assert "Valid until 2027." not in caplog.text
    named = [Path(r.getMessage().split(" (in ")[1].removesuffix(")")) for r in records]
    # Django names a file by the second and the connection object, so two may share one file.
    assert set(named) == set((tmp_path / "mail").iterdir())
    assert "Permit: KZ-9\nValid until 2027." in named[0].read_text()
    assert "Reason: no site plan." in named[1].read_text()


def test_messages_sent_on_one_connection_share_a_file_with_a_line_each(settings, tmp_path, caplog):
    # given
    settings.EMAIL_FILE_PATH = str(tmp_path)
    caplog.set_level(logging.INFO, logger="portal.mail")
    messages = [EmailMessage(f"Digest {n}", f"Body {n}", to=[f"u{n}@example.kz"]) for n in range(3)]

    # when
    with get_connection(BACKEND) as connection:
        sent = connection.send_messages(messages)

    # then
    assert sent == 3
    assert [r.getMessage().split(" (in ")[0] for r in caplog.records if r.name == "portal.mail"] == [
        f"mail to u{n}@example.kz: Digest {n}" for n in range(3)
    ]
    (only,) = tmp_path.iterdir()
    assert all(f"Body {n}" in only.read_text() for n in range(3))


def _settings_in_a_fresh_process(tmp_path: Path, **env: str) -> list[str]:
    environment = {key: value for key, value in os.environ.items() if key not in {"EMAIL_URL", "DJANGO_ENV"}}
    # Reading settings connects to nothing, so any PostgreSQL URL keeps the embedded server unstarted.
    environment.update(
        PORTAL_DATA_DIR=str(tmp_path), DATABASE_URL="postgresql://nobody@127.0.0.1:1/none", **env
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from portal import settings as s; print(s.EMAIL_BACKEND); print(getattr(s, 'EMAIL_FILE_PATH', '-'))",
        ],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


def test_development_mail_goes_to_the_data_folder_by_default(tmp_path):
    # when: `make run` without EMAIL_URL
    backend, folder = _settings_in_a_fresh_process(tmp_path)

    # then
    assert (backend, folder) == (BACKEND, str(tmp_path / "mail"))


def test_an_email_url_still_chooses_the_backend_in_development(tmp_path):
    # when: a developer points the portal at a mail catcher, or at a folder of their own
    smtp = _settings_in_a_fresh_process(tmp_path, EMAIL_URL="smtp://127.0.0.1:1025")
    folder = _settings_in_a_fresh_process(tmp_path, EMAIL_URL=f"filemail:///{tmp_path / 'outbox'}")

    # then
    assert smtp == ["django.core.mail.backends.smtp.EmailBackend", "-"]
    assert folder == [BACKEND, str(tmp_path / "outbox")]
