"""Continuation tokens: a link is good until the very instant its answer said (`expiresAt`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from statebox.continuations import ContinuationSigner
from statebox.errors import ContinuationExpired

KEY, POINT = "ab" * 16, "cd" * 16


@pytest.mark.parametrize("fraction", [0.001, 0.5, 0.999])
def test_a_link_does_not_expire_before_its_expiry(fraction: float) -> None:
    signer = ContinuationSigner(b"secret")
    expires_at = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC) + timedelta(seconds=fraction)
    token = signer.issue(KEY, POINT, expires_at)
    just_before = expires_at - timedelta(microseconds=1)
    assert signer.verify(token, just_before).expires_at >= expires_at
    with pytest.raises(ContinuationExpired):
        signer.verify(token, expires_at + timedelta(seconds=1))


def test_a_whole_second_expiry_is_kept_exactly() -> None:
    signer = ContinuationSigner(b"secret")
    expires_at = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
    token = signer.issue(KEY, POINT, expires_at)
    assert signer.verify(token, expires_at - timedelta(microseconds=1)).expires_at == expires_at
    with pytest.raises(ContinuationExpired):
        signer.verify(token, expires_at)
