"""A flaky service, for the Retry sample (state_machines/map_retry.json): it fails with
FlakyServiceError on the first attempt for each item and succeeds on the next.

It fails deterministically, from the attempt number the state passes in (`$$.State.RetryCount`
in Parameters: 0 on the first try, 1 on the first retry, ...), so the sample always succeeds
after one retry. `failures` (default 1) sets how many attempts fail. Also a valid OpenWhisk
Python action (stdlib only)."""


class FlakyServiceError(Exception):
    """The task's error name is this class name; the machine's Retry matches it."""


def main(args):
    attempt = int(args.get("attempt", 0))
    failures = int(args.get("failures", 1))
    item = args.get("item")
    if attempt < failures:
        raise FlakyServiceError(f"transient failure processing {item!r} (attempt {attempt + 1})")
    return {"item": item, "attempts": attempt + 1}
