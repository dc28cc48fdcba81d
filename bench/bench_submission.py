"""Submission throughput: the portal's create of an application against a bare DRF create of the same row.

`POST /api/v1/applications/` validates the business and the answers against the licence type,
draws a reference from a sequence and appends an audit event, all in one transaction. A bare DRF
ModelSerializer create of the same Application row, behind the same token authentication, is the
yardstick. Both run in-process through DRF's APIClient on the same database in the same run, in
alternating rounds so that drift hits both. Target (DESIGN §9): the portal reaches at least half
the bare rate.

Runs in the `portal_bench` database (see bench/common.py). BENCH_SUBMISSIONS (default 300) sets the
requests per side.
"""

from __future__ import annotations

import os
import sys
import time
import uuid

from bench.common import say, setup_django

MIN_RATIO = 0.5
ROUNDS = 5


def build_bare_urlconf():
    """A module-like object with the bare create endpoint, for override_settings(ROOT_URLCONF=...)."""
    import types

    from django.urls import path
    from rest_framework import generics, serializers

    from permits.models import Application

    class BareApplicationSerializer(serializers.ModelSerializer):
        class Meta:
            model = Application
            fields = ["id", "reference", "business", "licence_type", "authority", "answers"]

    class BareCreate(generics.CreateAPIView):
        serializer_class = BareApplicationSerializer
        throttle_classes = []

        def perform_create(self, serializer):
            serializer.save(created_by=self.request.user, reference=f"BARE-{uuid.uuid4().hex[:14]}")

    urls = types.ModuleType("bench_bare_urls")
    urls.urlpatterns = [path("bare/applications/", BareCreate.as_view())]
    return urls


def fixtures():
    from permits.services.catalogue import legal_act_create, licence_type_create
    from portal.accounts.models import Authority, Jurisdiction
    from portal.accounts.services import authority_create, business_create, user_create
    from tests.factories import valid_bin

    tag = uuid.uuid4().hex[:8]
    user = user_create(actor=None, username=f"bench-{tag}", password=None)
    business = business_create(
        actor=None, name=f"Bench Studio {tag}", bin=valid_bin(int(tag, 16) % 10**9), kind="company", city="Almaty",
        owner=user,
    )  # fmt: skip
    authority = Authority.objects.filter(code="bench").first() or authority_create(
        actor=None, code="bench", name="Bench Authority", jurisdiction=Jurisdiction.NATIONAL
    )
    act = legal_act_create(actor=None, code=f"bench-law-{tag}", title="Bench law", reference="No. 1")
    licence_type = licence_type_create(
        actor=None, code=f"bench-notification-{tag}", name="Bench notification", authority=authority,
        legal_basis=act, kind="notification", base_tier="low",
    )  # fmt: skip
    return user, business, licence_type


def rate(client, url: str, body_for, n: int) -> float:
    started = time.perf_counter()
    for i in range(n):
        response = client.post(url, body_for(i), format="json")
        if response.status_code != 201:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return n / (time.perf_counter() - started)


def main() -> int:
    n = int(os.environ.get("BENCH_SUBMISSIONS", "300"))
    os.environ.setdefault("THROTTLE_USER", "100000000/minute")  # measure the work, not the limiter
    setup_django()
    from django.test.utils import override_settings
    from rest_framework.test import APIClient

    import portal.urls
    from portal.accounts.services import auth_token_issue

    user, business, licence_type = fixtures()
    _, key = auth_token_issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    bare_urls = build_bare_urlconf()
    bare_urls.urlpatterns += portal.urls.urlpatterns

    def portal_body(i):
        return {"business": business.pk, "licence_type": licence_type.code, "answers": {}}

    def bare_body(i):
        return {
            "business": business.pk,
            "licence_type": licence_type.pk,
            "authority": licence_type.authority_id,
            "answers": {},
        }

    per_round = max(1, n // ROUNDS)
    portal_rates, bare_rates = [], []
    with override_settings(ROOT_URLCONF=bare_urls):
        say("warming up...")
        rate(client, "/api/v1/applications/", portal_body, 10)
        rate(client, "/bare/applications/", bare_body, 10)
        for round_ in range(1, ROUNDS + 1):
            portal_rates.append(rate(client, "/api/v1/applications/", portal_body, per_round))
            bare_rates.append(rate(client, "/bare/applications/", bare_body, per_round))
            say(f"  round {round_}/{ROUNDS}: portal {portal_rates[-1]:6.0f}/s, bare {bare_rates[-1]:6.0f}/s")
    portal_rate = sorted(portal_rates)[len(portal_rates) // 2]
    bare_rate = sorted(bare_rates)[len(bare_rates) // 2]
    ratio = portal_rate / bare_rate
    ok = ratio >= MIN_RATIO
    say(f"portal create (median): {portal_rate:6.0f} requests/s")
    say(f"bare DRF create (median): {bare_rate:6.0f} requests/s")
    say(f"ratio portal/bare: {ratio:.2f} (target >= {MIN_RATIO}) {'ok' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
