"""Adds 1 to `value` (or to the input itself when it is a number). Also a valid OpenWhisk
Python action: OpenWhisk calls main(args) with a dict and needs a dict back."""


def main(args):
    if isinstance(args, dict):
        return {**args, "value": args.get("value", 0) + 1}
    return {"value": args + 1}
