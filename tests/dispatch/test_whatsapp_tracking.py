"""Customers' tracking tokens: signed, expiring at the end of the service day, one order each."""

from __future__ import annotations

import string
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.auth import runner_link_token
from dispatch.errors import DomainError
from dispatch.models import Runner
from dispatch.settings import Settings
from dispatch.whatsapp.tracking import tracking_expiry, tracking_token, verify_tracking_token

SETTINGS = Settings(secret_key="tracking-test-key")
DAY = date(2026, 11, 25)
ORDER = uuid.UUID("12345678-1234-5678-1234-567812345678")


def test_a_token_names_its_order_until_midnight_wib() -> None:
    """Valid through the service day; it expires at 00:00 WIB the next day (17:00 UTC)."""
    token = tracking_token(ORDER, DAY, SETTINGS)
    expiry = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert tracking_expiry(DAY, SETTINGS) == expiry
    link = verify_tracking_token(token, SETTINGS, now=expiry - timedelta(seconds=1))
    assert link.order_id == ORDER
    with pytest.raises(DomainError) as expired:
        verify_tracking_token(token, SETTINGS, now=expiry)
    assert expired.value.code == "tracking.expired"


def test_another_key_does_not_verify() -> None:
    """A token signed under another secret is invalid."""
    token = tracking_token(ORDER, DAY, Settings(secret_key="other"))
    with pytest.raises(DomainError) as invalid:
        verify_tracking_token(token, SETTINGS, now=datetime(2026, 11, 25, tzinfo=UTC))
    assert invalid.value.code == "tracking.invalid"


def test_a_runner_link_is_not_a_tracking_token() -> None:
    """Same key, other purpose: a runner's route link does not open a tracking page."""
    runner = Runner(
        id=ORDER,
        market_id=uuid.uuid4(),
        name="Budi Santoso",
        phone="+6281233007001",
        capacity_g=40_000,
        cash_cap_rp=1_500_000,
        shift_start=time(5, 30),
        shift_end=time(11, 30),
    )
    link = runner_link_token(runner, DAY, SETTINGS)
    with pytest.raises(DomainError) as invalid:
        verify_tracking_token(link, SETTINGS, now=datetime(2026, 11, 24, tzinfo=UTC))
    assert invalid.value.code == "tracking.invalid"


def test_changing_any_character_breaks_the_token() -> None:
    """Every one-character change, at every position, is refused as invalid (base64's spare
    bits included: only the canonical spelling is accepted)."""
    token = tracking_token(ORDER, DAY, SETTINGS)
    alphabet = string.ascii_letters + string.digits + "-_."
    codes = []
    for index, original in enumerate(token):
        for char in alphabet.replace(original, ""):
            tampered = token[:index] + char + token[index + 1 :]
            try:
                verify_tracking_token(tampered, SETTINGS, now=datetime(2026, 11, 24, tzinfo=UTC))
                codes.append("accepted")
            except DomainError as error:
                codes.append(error.code)
    assert set(codes) == {"tracking.invalid"}


@given(st.text(max_size=300))
def test_garbage_is_invalid_not_a_crash(text: str) -> None:
    """Whatever the path holds, the answer is tracking.invalid."""
    with pytest.raises(DomainError) as invalid:
        verify_tracking_token(text, SETTINGS)
    assert invalid.value.code == "tracking.invalid"
