"""Squares `value`. Also a valid OpenWhisk Python action."""


def main(args):
    return {**args, "value": args["value"] ** 2}
