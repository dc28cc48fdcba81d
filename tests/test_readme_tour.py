"""The README tour's checker (.ci/readme_tour.py): which blocks it runs and what it calls a failure.

CI runs it against a live `make run`; here it runs small tours against a local HTTP server that
answers the status and error code each request asks for, so the checker's own verdicts are pinned
down without a portal.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("readme_tour", ROOT / ".ci" / "readme_tour.py")
readme_tour = importlib.util.module_from_spec(_spec)
sys.modules["readme_tour"] = readme_tour  # its dataclass looks its module up there
_spec.loader.exec_module(readme_tour)


class _Answers(BaseHTTPRequestHandler):
    """GET /answer?status=409&code=busy answers 409 {"code": "busy"}; every request is remembered."""

    seen: list[str]

    def do_GET(self):
        self.seen.append(self.path)
        query = parse_qs(urlparse(self.path).query)
        status = int(query.get("status", ["200"])[0])
        body = json.dumps({"code": query.get("code", [""])[0], "detail": "as asked"}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    handler = type("Answers", (_Answers,), {"seen": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _readme(*tour_lines: str, after: str = 'curl -s "$B/answer?status=500"') -> str:
    return "\n".join(
        [
            "# Title",
            "```sh",
            "make run",
            "```",
            "## A tour of the API with curl",
            "```sh",
            "B=http://127.0.0.1:$PORT",
            *tour_lines,
            "```",
            "## Configuration",
            "```sh",
            after,
            "```",
        ]
    )


def _run(server, readme: str) -> list[str]:
    return readme_tour.run_once(readme_tour.build_script(readme), str(server.server_address[1]), False)


def test_the_real_readme_tour_is_its_section_only():
    # given the README as committed
    readme = (ROOT / "README.md").read_text()

    # when its tour is extracted
    script = readme_tour.build_script(readme)

    # then it begins at the tour's first block and leaves out the blocks of other sections
    assert "B=http://127.0.0.1:${PORT:-8000}" in script.text
    assert "make run" not in script.text.replace("`make run`", "")
    assert "DATABASE_URL=" not in script.text
    assert "verify_audit" not in script.text
    assert "docker compose" not in script.text
    # and every announced failure became an expectation of the curl command it ends
    expectations = re.findall(r"^\s*__tour_expect \d{3} [a-z_]+ \d+$", script.text, flags=re.MULTILINE)
    assert len(expectations) == script.announced >= 1


def test_announced_failures_pass_and_other_sections_are_not_run(server):
    # given a tour with one success and one announced 409, and a 500 in the next section
    readme = _readme(
        'curl -s "$B/answer?status=201"',
        'curl -s "$B/answer?status=409&code=busy" \\',
        "  -H 'Accept: application/json'     # 409 busy",
    )

    # when the checker runs it
    problems = _run(server, readme)

    # then it passes, and the 500 of the other section was never requested
    assert problems == []
    assert [path.split("?")[1] for path in server.RequestHandlerClass.seen] == [
        "status=201",
        "status=409&code=busy",
    ]


def test_an_unannounced_401_stops_the_tour_and_names_its_line(server):
    # given a tour whose second request answers 401 without saying so
    readme = _readme(
        'curl -s "$B/answer?status=200"',
        'TOKEN=$(curl -s "$B/answer?status=401&code=not_authenticated")',
        'curl -s "$B/answer?status=200&after=1"',
    )

    # when the checker runs it
    problems = _run(server, readme)

    # then it reports that request at its README line, and the tour went no further
    assert problems[0].startswith("README.md:9: answered 401 not_authenticated, not announced")
    assert not any("after=1" in path for path in server.RequestHandlerClass.seen)


@pytest.mark.parametrize(
    ("asked", "announced", "reported"),
    [
        ("status=200", "# 409 unanswered_comments", "answered 200 , announced 409 unanswered_comments"),
        ("status=409&code=conflict", "# 409 unanswered_comments", "answered 409 conflict, announced 409"),
        ("status=400&code=incomplete", "# 409 incomplete", "answered 400 incomplete, announced 409"),
    ],
)
def test_an_announced_failure_that_does_not_come_as_announced_fails(server, asked, announced, reported):
    # given a request announced to fail one way that answers another
    readme = _readme(f'curl -s "$B/answer?{asked}"   {announced}')

    # when the checker runs it
    problems = _run(server, readme)

    # then the mismatch is reported
    assert reported in problems[0]


def test_an_announcement_on_a_line_that_is_not_curl_is_refused():
    # given an announcement on a command that makes no request
    readme = _readme("echo done   # 409 busy")

    # when / then the checker refuses the README outright
    with pytest.raises(SystemExit, match="not curl"):
        readme_tour.build_script(readme)


def test_a_curl_that_bypasses_the_check_is_refused():
    # given a tour calling the curl binary behind the checker's back
    readme = _readme('command curl -s "$B/answer?status=500"')

    # when / then the checker refuses the README outright
    with pytest.raises(SystemExit, match="call curl by its name"):
        readme_tour.build_script(readme)
