"""Build time only: `statebox package` builds the OpenWhisk action zip (`package.py`) with its
dependencies vendored for the runtime image (`vendoring.py`). Nothing here runs in the action,
and the zip leaves this folder out (`package.BUILD_ONLY`)."""
