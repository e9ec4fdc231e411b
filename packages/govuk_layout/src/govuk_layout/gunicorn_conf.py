"""gunicorn settings for a service's image, read from the environment so one image serves every environment.

Point gunicorn at this module and name the app; the app is all a service supplies::

    gunicorn --config python:govuk_layout.gunicorn_conf 'example:create_app()'

The kit's image sets ``GUNICORN_CMD_ARGS`` to this config and ``FLASK_APP`` to ``<service>:create_app()``,
which is read below, so the container runs plain ``gunicorn`` (and ``flask`` commands find the same app).
"""

import gc
import os
from typing import Any

from govuk_layout import observability

# The app from FLASK_APP when set; an app named on gunicorn's command line comes first anyway.
wsgi_app = os.environ.get("FLASK_APP") or None
# The port is the kit's app-port ([tool.govuk-kit] in the kit's pyproject.toml); the image sets PORT.
bind = f"0.0.0.0:{os.environ.get('PORT', '1551')}"  # nosec B104 - the container's only interface
# Measured with `nox -s bench` (docs/performance.md): a page costs the same CPU per request under sync and
# gthread workers, because rendering holds the GIL. Threads win on waits: while one thread waits on a backend
# (up to seconds when it is slow), the others keep serving pages and the kubelet's probes, where a sync worker
# would block. So: one process per core the pod is given (2), each with 4 threads.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# gthread with the request head read by the event loop, so slow clients hold no thread (gunicorn_worker.py);
# GUNICORN_HEAD_TIMEOUT (seconds, default 10) closes a connection whose head is not complete by then.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "govuk_layout.gunicorn_worker.HeadReadingWorker")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel hashes new connections across them.
# On one shared socket, whichever worker woke first took a burst: 32 connections opened at once split as badly as
# 3 to 29, or all 32 to one worker, leaving a core idle and the busy worker's requests waiting twice as long.
reuse_port = True
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/tmp")  # nosec B108 - an emptyDir in the pod

# Prometheus: the master serves every worker's metrics on METRICS_PORT (see govuk_layout.observability).
on_starting = observability.gunicorn_on_starting
when_ready = observability.gunicorn_when_ready
child_exit = observability.gunicorn_child_exit


def post_worker_init(worker: Any) -> None:
    """The app is loaded and lives as long as the worker: leave its objects out of garbage collection.

    A full collection otherwise walks every one of them (about 85,000 for the example, some 90 ms with the
    worker's threads stopped: a latency spike for every request in flight). Frozen, it walks only what
    requests made since.
    """
    gc.freeze()
