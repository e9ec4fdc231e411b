# One image recipe for every service in services/. Build it with `nox -s build-image`, which stages
# build/image/: requirements.txt (exact versions and sha256 hashes from poetry.lock), those packages'
# Linux wheels in deps/, and the govuk-layout (with govuk-frontend's assets vendored) and service wheels
# in app/. So the build itself downloads nothing and needs no compiler.

# Any Debian-based image with python3 and its venv module; CI passes a locally made stand-in.
ARG PYTHON_BASE=python:3.11-slim-bookworm

# checkov:skip=CKV_DOCKER_7: the base is the PYTHON_BASE argument, whose default is a version tag (python:3.11-slim-bookworm); checkov cannot read an ARG
FROM ${PYTHON_BASE} AS build
ARG SERVICE=example
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INDEX=1
COPY build/image/ /stage/
# Third-party packages hash-checked against the lock, then our two wheels without dependencies
# (their requirements are all in the first step). pip itself is removed from the runtime venv.
RUN python3 -m venv /opt/venv \
    && /opt/venv/bin/python -m pip install --require-hashes --only-binary=:all: \
        --find-links /stage/deps --requirement /stage/requirements.txt \
    && /opt/venv/bin/python -m pip install --no-deps /stage/app/*.whl \
    && /opt/venv/bin/python -c "import importlib; importlib.import_module('${SERVICE}.gunicorn_conf')" \
    && /opt/venv/bin/python -m pip uninstall --yes pip setuptools

FROM ${PYTHON_BASE}
ARG SERVICE=example
COPY --from=build /opt/venv /opt/venv
# The root filesystem is read-only in the pod: nothing may need to write outside /tmp.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TZ=UTC \
    HOME=/tmp \
    PORT=1551 \
    GOVUK_ENVIRONMENT=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    GUNICORN_CMD_ARGS="--config=python:${SERVICE}.gunicorn_conf"
WORKDIR /tmp
# checkov:skip=CKV_DOCKER_2: Kubernetes ignores HEALTHCHECK; the chart's liveness, readiness and startup probes check /healthz and /readyz
USER 1051:1051
EXPOSE 1551
CMD ["gunicorn"]
