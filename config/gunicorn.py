"""gunicorn's settings for the Procfile's web process, from the environment.

PORT (default 8000) and WEB_CONCURRENCY (worker processes, default 2) as platforms
set them; FORWARDED_ALLOW_IPS names the proxies whose X-Forwarded-* headers are
believed (default: only one on this machine).
"""

from __future__ import annotations

import os

bind = f"{os.environ.get('BIND_ADDRESS', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"  # noqa: S104
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request taking longer than this is stopped (the worker restarted): long work
# belongs to the background worker.
timeout = int(os.environ.get("WEB_TIMEOUT_SECONDS", "30"))
# On SIGTERM, requests in flight get this long to finish.
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter), so a slow leak in a
# long-running process never builds up.
max_requests = 2000
max_requests_jitter = 200
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# No control socket: gunicorn 27 puts one in $HOME, shared by every gunicorn of the
# user (a second site, the load test); nothing here uses it.
control_socket_disable = True
# Access log on standard output, with the request id the app returns (no query
# strings: they may hold a postcode).
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms id=%({x-request-id}o)s'


def post_worker_init(worker: object) -> None:
    """Once a worker has loaded the site, load what its first requests would (every
    view and template) and move it all out of the garbage collector's reach
    (config/warm.py): a full collection otherwise walks it, in the middle of whichever
    request happens to trigger one."""
    from config.warm import warm_and_freeze

    warm_and_freeze()
