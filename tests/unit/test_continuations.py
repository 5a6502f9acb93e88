"""continuations.redact: the fingerprint logs show of a continuation token."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from statebox.continuations import ContinuationSigner, redact


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
