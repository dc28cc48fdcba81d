"""Every HTML page is served under a strict Content-Security-Policy (django-csp), and runs under it:
each script it holds is a file of the portal's own or carries the response's nonce, and each inline
stylesheet carries the nonce (or, for the docs' viewers, is allowed by its hash). The API docs get their few extra sources on
their own pages only."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
import time_machine
from django.http import HttpResponse
from django.test import Client

from council.models import CouncilRole
from council.services.reports import report_create, report_publish
from tests.council.reports_factories import local
from tests.factories import CouncilFactory, CouncilMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = local(2026, 4, 10, 12)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def policy_of(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    text: str = ""


@dataclass
class _Collector(HTMLParser):
    """The <script> and <style> elements of a page, with their attributes and inline text."""

    elements: list[Element] = field(default_factory=list)
    inside: Element | None = None

    def __post_init__(self):
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.inside = Element(tag, dict(attrs))
            self.elements.append(self.inside)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.inside = None

    def handle_data(self, data):
        if self.inside is not None:
            self.inside.text += data


def scripts_and_styles(html: str) -> list[Element]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def blocked_elements(response) -> list[str]:
    """What of the page the browser would refuse under the page's own policy."""
    policy = policy_of(response)
    script_src, style_src = policy.get("script-src", []), policy.get("style-src", [])
    blocked = []
    for element in scripts_and_styles(response.content.decode()):
        nonce = element.attrs.get("nonce")
        nonce_ok = nonce is not None and f"'nonce-{nonce}'" in {*script_src, *style_src}
        if element.tag == "script":
            src = element.attrs.get("src")
            if element.attrs.get("type") == "application/json":
                continue  # a data block, never run
            if src is not None:
                url = urlsplit(src)
                if url.scheme or url.netloc:
                    blocked.append(f"script from elsewhere: {src}")
            elif not (nonce_ok and f"'nonce-{nonce}'" in script_src):
                blocked.append(f"inline script without the nonce: {element.text[:60]!r}")
        elif (
            not (nonce_ok and f"'nonce-{nonce}'" in style_src)
            and sha256_source(element.text) not in style_src
        ):
            blocked.append(f"inline style without nonce or hash {sha256_source(element.text)}")
    return blocked


def published_report():
    council = CouncilFactory()
    secretary = CouncilMemberFactory(council=council, role=CouncilRole.SECRETARY).user
    report = report_create(
        actor=secretary, council=council, period_start=dt.date(2026, 3, 1), period_end=dt.date(2026, 3, 31)
    )
    report_publish(actor=secretary, report_id=report.pk, commentary="Deadlines mostly held.")
    return report


def admin_client() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_policy_is_strict():
    # when
    response = Client().get("/council/")

    # then
    policy = policy_of(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    # the page's own stylesheet draws the response's nonce, which the policy then offers to scripts too
    assert policy["script-src"][0] == "'self'"
    assert [source[:7] for source in policy["script-src"][1:]] == ["'nonce-"]
    assert policy["style-src"] == policy["script-src"]
    assert "unsafe" not in response["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path",
    ["/council/", "/council/reports/", "report", "/api/docs/", "/api/redoc/", "/admin/login/"],
)
def test_every_public_page_runs_under_its_policy(path):
    # given
    if path == "report":
        path = f"/council/reports/{published_report().pk}/"

    # when
    response = Client().get(path)

    # then
    assert response.status_code == 200
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert blocked_elements(response) == []


@pytest.mark.parametrize(
    "path",
    ["/admin/", "/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/council/council/add/"],
)
def test_the_admin_runs_under_the_policy(path):
    # when
    response = admin_client().get(path)

    # then
    assert response.status_code == 200
    assert "unsafe" not in response["Content-Security-Policy"]
    assert blocked_elements(response) == []


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_the_docs_start_up_script_carries_a_fresh_nonce(path):
    # when
    first, second = Client().get(path), Client().get(path)

    # then: one inline script, let in by this response's nonce and no other way
    inline = [
        e for e in scripts_and_styles(first.content.decode()) if e.tag == "script" and "src" not in e.attrs
    ]
    assert len(inline) == 1
    nonce = inline[0].attrs["nonce"]
    assert policy_of(first)["script-src"] == ["'self'", f"'nonce-{nonce}'"]
    assert policy_of(second)["script-src"] != policy_of(first)["script-src"]


def test_only_the_docs_allow_data_images_and_blob_workers():
    # when
    swagger = policy_of(Client().get("/api/docs/"))
    redoc = policy_of(Client().get("/api/redoc/"))
    council = policy_of(Client().get("/council/"))

    # then
    assert swagger["img-src"] == ["'self'", "data:"]
    assert redoc["worker-src"] == ["'self'", "blob:"]
    assert "img-src" not in council
    assert "worker-src" not in council


def test_the_docs_load_nothing_from_elsewhere():
    # when
    pages = [Client().get(path).content.decode() for path in ("/api/docs/", "/api/redoc/")]

    # then: no web fonts or validator badge fetched from another host
    for page in pages:
        assert "https://" not in page
        assert "http://" not in page


def test_the_check_itself_sees_what_a_browser_would_block():
    # given: a page under a policy with a nonce and one allowed stylesheet hash
    response = HttpResponse(
        '<script src="/static/a.js"></script><script src="https://cdn.example.com/b.js"></script>'
        '<script nonce="n1">run()</script><script>steal()</script>'
        '<script type="application/json">{"data": 1}</script>'
        "<style>a{}</style><style>b{}</style>"
    )
    response["Content-Security-Policy"] = (
        f"default-src 'self'; script-src 'self' 'nonce-n1'; style-src 'self' {sha256_source('a{}')}"
    )

    # then
    assert blocked_elements(response) == [
        "script from elsewhere: https://cdn.example.com/b.js",
        "inline script without the nonce: 'steal()'",
        f"inline style without nonce or hash {sha256_source('b{}')}",
    ]
