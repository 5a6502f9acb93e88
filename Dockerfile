# statebox as an OpenWhisk Docker action: the python:3.11 runtime image (the same /init + /run
# proxy and launcher as the `python:3.11` kind) with statebox and its dependencies installed.
# For deployments that prefer an image to the zip of `statebox package`.
#
#   docker build -t YOU/statebox:0.1.0 .
#   docker push YOU/statebox:0.1.0
#   wsk action update statebox deploy/main.py --docker YOU/statebox:0.1.0 --web raw \
#       -a provide-api-key true --timeout 300000 \
#       -p statebox_redis_url redis://... -p statebox_secret ...
#
# The runtime images are tagged `nightly` and by runtime commit; pin the commit tag your
# deployment's python:3.11 kind runs (docker build --build-arg RUNTIME_TAG=<tag> .).
ARG RUNTIME_TAG=nightly
FROM openwhisk/action-python-v3.11:${RUNTIME_TAG}

# The action process gets no environment from the image (no ENV reaches it), so nothing here
# is configured through ENV. statebox is installed in place (editable), so demo_actions/ and
# state_machines/ stay next to the package, where the web action looks for them.
COPY pyproject.toml README.md /opt/statebox/
COPY statebox /opt/statebox/statebox
COPY demo_actions /opt/statebox/demo_actions
COPY state_machines /opt/statebox/state_machines

# The runtime dependencies from pyproject.toml, less fakeredis (local runs and tests only).
RUN python -c "import tomllib; deps = tomllib.load(open('/opt/statebox/pyproject.toml', 'rb'))['project']['dependencies']; print('\n'.join(d for d in deps if not d.startswith('fakeredis')))" > /tmp/statebox-requirements.txt \
 && pip install --no-cache-dir -r /tmp/statebox-requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/statebox \
 && rm /tmp/statebox-requirements.txt \
 && cd / && python -c "import aiohttp, redis, jsonschema, jsonpath_ng, statebox.web.action"
