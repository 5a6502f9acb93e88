"""continuations: a link is good until the very instant its answer said (`expiresAt`); `redact`,
the fingerprint logs show of a token."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from statebox.errors import ContinuationExpired
from statebox.execution.continuations import ContinuationSigner, redact

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


def test_tokens_issued_together_get_distinct_fingerprints_that_reveal_nothing() -> None:
    signer = ContinuationSigner("a-test-secret-of-some-length")
    expires = datetime.now(UTC) + timedelta(days=3)
    tokens = [signer.issue(f"{n:032x}", f"{n + 1:032x}", expires) for n in range(50)]
    fingerprints = [redact(token) for token in tokens]
    assert len(set(fingerprints)) == len(tokens)  # one per token: log lines can be told apart
    assert [redact(token) for token in tokens] == fingerprints  # and matched again later
    for token, fingerprint in zip(tokens, fingerprints, strict=True):
        assert token[:8] not in fingerprint  # what the logs showed before: the same for all
        # What the docstring tells an operator to run: printf %s TOKEN | sha256sum | cut -c1-12
        assert fingerprint == "#" + hashlib.sha256(token.encode()).hexdigest()[:12]


def test_any_string_gets_a_fingerprint() -> None:
    assert len({redact(""), redact("x"), redact("\udcff"), redact("é" * 10_000)}) == 4
