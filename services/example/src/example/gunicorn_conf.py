"""gunicorn settings, read from the environment so one image serves every environment."""

import os

from govuk_layout import observability

# The image runs plain `gunicorn` with this module as its config (GUNICORN_CMD_ARGS), so the app is named here.
wsgi_app = "example:create_app()"
bind = f"0.0.0.0:{os.environ.get('PORT', '1551')}"  # nosec B104 - the container's only interface
# Measured with `nox -s bench` (docs/performance.md): a page costs the same CPU per request under sync and
# gthread workers, because rendering holds the GIL. Threads win on waits: while one thread waits on DynamoDB
# (up to seconds when it is slow), the others keep serving pages and the kubelet's probes, where a sync worker
# would block. So: one process per core the pod is given (2), each with 4 threads.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/tmp")  # nosec B108 - an emptyDir in the pod

# Prometheus: the master serves every worker's metrics on METRICS_PORT (see govuk_layout.observability).
on_starting = observability.gunicorn_on_starting
when_ready = observability.gunicorn_when_ready
child_exit = observability.gunicorn_child_exit
