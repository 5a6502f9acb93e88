"""Entry point of the statebox Docker action (see the Dockerfile, whose image has statebox and its
dependencies installed): `wsk action update statebox deploy/main.py --docker IMAGE --web raw ...`.

The runtime imports this file as the module `main__` (no relative imports) and calls `main(args)`.
"""

from statebox.web import main

__all__ = ["main"]
