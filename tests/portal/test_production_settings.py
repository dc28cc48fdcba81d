"""Production refuses a guessable SECRET_KEY (judged by its entropy, not its length) and a wildcard
ALLOWED_HOSTS; the keys that Django and `secrets` generate pass."""

from __future__ import annotations

import secrets

import pytest
from django.core.management.utils import get_random_secret_key

from portal.settings import DEV_SECRET_KEY, SECRET_KEY_MIN_BITS, secret_key_entropy_bits, secret_key_weakness
from tests.portal.test_settings import deploy_check, proper_production_env

GENERATORS = {
    "django": get_random_secret_key,
    "token_urlsafe(50)": lambda: secrets.token_urlsafe(50),
    "token_hex(32)": lambda: secrets.token_hex(32),
}


@pytest.mark.parametrize("generator", list(GENERATORS))
def test_generated_keys_pass(generator):
    # given: many draws, since a rule that refused one generated key in a thousand would stop deploys
    keys = [GENERATORS[generator]() for _ in range(2000)]

    # then
    assert [key for key in keys if secret_key_weakness(key) is not None] == []
    assert min(secret_key_entropy_bits(key) for key in keys) > SECRET_KEY_MIN_BITS


@pytest.mark.parametrize(
    ("key", "bits"),
    [
        ("abcde" * 10, 11.6),  # five letters over and over: as guessable as 'abcde'
        ("a" * 64, 0.0),
        ("abcdefgh" * 10, 24.0),  # eight distinct characters, but one block of eight repeated
        ("abcdefgh" * 10 + "abc", 24.0),  # a repeat need not end on a whole block
        ("0123456789" * 6, 33.2),
    ],
)
def test_long_but_guessable_keys_are_refused(key, bits):
    # then: long enough for the old rule (50 characters, 5 distinct), far too few bits for this one
    assert len(key) >= 50
    assert secret_key_entropy_bits(key) == pytest.approx(bits, abs=0.1)
    assert (
        secret_key_weakness(key)
        == f"its characters carry about {bits:.0f} bits, {SECRET_KEY_MIN_BITS} needed"
    )


def test_the_development_key_and_short_keys_are_refused():
    # then
    assert secret_key_weakness(DEV_SECRET_KEY) == "it is the development key"
    assert secret_key_weakness(secrets.token_urlsafe(30)) == "it is shorter than 50 characters"


def test_production_starts_with_a_key_from_get_random_secret_key():
    # given: the key the error message recommends (punctuation included)
    env = proper_production_env()
    env["SECRET_KEY"] = get_random_secret_key()

    # when
    result = deploy_check(env)

    # then
    assert result.returncode == 0, result.stderr
