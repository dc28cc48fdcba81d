"""The mechanics every permission matrix shares: reading a cell, one test case per cell, the routes
an API module serves, and the two officials tied to the owner's business that every matrix asks
about. Each matrix keeps its own world, endpoints, callers and expected table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pytest

METHODS = ("get", "post", "put", "patch", "delete")


def expectation(
    cell: int | str, error_codes: Mapping[int, str], named_codes: Mapping[str, str]
) -> tuple[int, str | None]:
    """A cell as (status, error code): `404` uses the status's usual code, `"403m"` a named one; a
    success has no code."""
    if isinstance(cell, int):
        assert cell < 400 or cell in error_codes, f"{cell} needs a named code"
        return cell, error_codes.get(cell)
    return int(cell[:3]), named_codes[cell[3:]]


def cells(expected: Mapping[str, Sequence], columns: Sequence[str]) -> list:
    """One pytest case per (endpoint, caller) of the table."""
    return [
        pytest.param(endpoint, caller, cell, id=f"{endpoint}-{caller}")
        for endpoint, row in expected.items()
        for caller, cell in zip(columns, row, strict=True)
    ]


def tied_officials(business, *, authority=None) -> dict[str, object]:
    """The two callers every matrix includes, both officials cleared high (of `authority` when given):
    `member_official`, a member of `business`, and `conflicted_official`, who declared a conflict of
    interest with it. Either tie is a conflict by rule (accounts `CONFLICT_LINKS`)."""
    from permits.services.review import conflict_declare
    from portal.accounts.models import MembershipRole
    from tests.factories import MembershipFactory, OfficialProfileFactory

    of_authority = {"authority": authority} if authority is not None else {}
    member = OfficialProfileFactory(high=True, **of_authority).user
    MembershipFactory(user=member, business=business, role=MembershipRole.MEMBER)
    conflicted = OfficialProfileFactory(high=True, **of_authority).user
    conflict_declare(
        actor=conflicted, official=conflicted, business=business, reason="I rent my premises to them."
    )
    return {"member_official": member, "conflicted_official": conflicted}


def served_routes(urlpatterns: Iterable) -> set[tuple[str, str]]:
    """Every (route name, HTTP method) that these url patterns serve."""
    return {
        (pattern.name, method.upper())
        for pattern in urlpatterns
        for method in METHODS
        if hasattr(pattern.callback.view_class, method)
    }
