# One image recipe for every service in services/. Build it with `nox -s build-image`, which stages
# build/image/: requirements.txt (exact versions and sha256 hashes from poetry.lock), those packages'
# Linux wheels in deps/, and the govuk-layout (with govuk-frontend's assets vendored) and service wheels
# in app/. So the build itself downloads nothing and needs no compiler. nox also passes the kit's facts
# ([tool.govuk-kit] in pyproject.toml) as build args: the base for its Python, the port and the UID.

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
    && /opt/venv/bin/python -c "import govuk_layout.gunicorn_conf, ${SERVICE}; ${SERVICE}.create_app" \
    && /opt/venv/bin/python -m pip uninstall --yes pip setuptools

FROM ${PYTHON_BASE}
ARG SERVICE=example
# No defaults: nox passes them from [tool.govuk-kit], so the image cannot disagree with the chart.
ARG APP_PORT
ARG UID
COPY --from=build /opt/venv /opt/venv
# The root filesystem is read-only in the pod: nothing may need to write outside /tmp.
# gunicorn runs govuk-layout's config, which serves the app FLASK_APP names (flask commands find it too).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TZ=UTC \
    HOME=/tmp \
    PORT=${APP_PORT} \
    GOVUK_ENVIRONMENT=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus \
    FLASK_APP="${SERVICE}:create_app()" \
    GUNICORN_CMD_ARGS="--config=python:govuk_layout.gunicorn_conf"
WORKDIR /tmp
# checkov:skip=CKV_DOCKER_2: Kubernetes ignores HEALTHCHECK; the chart's liveness, readiness and startup probes check /healthz and /readyz
USER ${UID}:${UID}
EXPOSE ${APP_PORT}
CMD ["gunicorn"]
