"""gunicorn settings, read from the environment so one image serves every environment."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '1551')}"  # nosec B104 - the container's only interface
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
accesslog = None  # the app logs one JSON line per request itself
errorlog = "-"
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/tmp")  # nosec B108 - an emptyDir in the pod
