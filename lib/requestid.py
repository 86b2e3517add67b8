"""The request id: one token per web request, on every log line written while it runs.

The proxy in front of the site may send X-Request-ID (then its access log and ours
share the id); otherwise inspiring.ui.middleware.RequestIdMiddleware makes one. The
id is held in a context variable for the request's duration, and RequestIdFilter
(on the console handler, see LOGGING in config/settings.py) copies it onto every
record, "-" outside a request.

Background tasks (django-tasks) carry the id of the request that queued them:

- When a task is queued, one INFO line "task queued" names the task and its result id,
  with the request id, so the two can always be joined.
- With the database backend, the request id is also stored in the task's row, beside
  the arguments (`args_kwargs["request_id"]`; the worker reads only "args" and
  "kwargs"), and bound again while `db_worker` runs the task: the worker's lines
  carry the id of the request that queued the task. The task functions are untouched.
- With the immediate backend the task runs inside the request, which is already bound.
- A task queued outside any request (cron, a management command) runs as
  "task-<result id>".

The task receivers are connected when this module is imported, which every process
that sets Django up does (LOGGING names RequestIdFilter), the worker included.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import Any

from django.db.models.signals import pre_save
from django_tasks.signals import task_enqueued, task_finished, task_started
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

logger = logging.getLogger(__name__)

HEADER = "X-Request-ID"
# What we accept from the proxy: a token safe to write into a log line as it is.
_SAFE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Where the id travels in a database task's row (django_tasks_db.DBTaskResult.args_kwargs).
TASK_KEY = "request_id"

_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request (or task) being handled in this context, if any."""
    return _current.get()


def is_safe(value: object) -> bool:
    """Letters, digits, '-', '_' and '.', 1 to 64 of them."""
    return isinstance(value, str) and _SAFE.fullmatch(value) is not None


def new() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound(request_id: str) -> Iterator[str]:
    """Make `request_id` the current id inside the block."""
    token = _current.set(request_id)
    try:
        yield request_id
    finally:
        _current.reset(token)


class RequestIdFilter(logging.Filter):
    """Sets record.request_id: the current id, or "-" outside a request or task."""

    def filter(self, record: logging.LogRecord) -> bool:
        # A record already stamped (handled once, or passed through a queue) keeps its id.
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or "-"
        return True


class JsonFormatter(_JsonFormatter):
    """python-json-logger's formatter, writing only the fields its format names.

    Without this, every `extra` attribute of a record would be written too, and
    Django passes the request object itself (whose repr holds the query string).
    Exception and stack text are kept.
    """

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        # The time first, then the format's fields in order, then any exception or stack.
        order = [self._get_rename(field) for field in self._required_fields]
        order += [self._get_rename("exc_info"), self._get_rename("stack_info")]
        if self.timestamp:
            order.insert(0, self.timestamp if isinstance(self.timestamp, str) else "timestamp")
        return {key: log_data[key] for key in order if key in log_data}


# --- Background tasks ---------------------------------------------------------------

# Tokens of the ids bound by running tasks, by task result id, to unbind on finishing.
_task_tokens: dict[str, Token[str | None]] = {}


def _stamp_task_row(sender: Any, instance: Any, **kwargs: Any) -> None:
    """pre_save of a new DBTaskResult: store the current request id beside the arguments."""
    request_id = _current.get()
    args_kwargs = getattr(instance, "args_kwargs", None)
    if request_id and instance._state.adding and isinstance(args_kwargs, dict):
        instance.args_kwargs = {**args_kwargs, TASK_KEY: request_id}


def _origin(task_result: Any) -> str | None:
    """The request id stored with a database task, if any."""
    args_kwargs = getattr(getattr(task_result, "db_result", None), "args_kwargs", None)
    if isinstance(args_kwargs, dict) and is_safe(args_kwargs.get(TASK_KEY)):
        return str(args_kwargs[TASK_KEY])
    return None


def _task_queued(sender: Any, task_result: Any, **kwargs: Any) -> None:
    # The task's path and id only: its arguments may be personal data.
    logger.info("task queued: %s id=%s", task_result.task.module_path, task_result.id)


def _task_started(sender: Any, task_result: Any, **kwargs: Any) -> None:
    request_id = _origin(task_result) or _current.get() or f"task-{task_result.id}"
    _task_tokens[str(task_result.id)] = _current.set(request_id)


def _task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    token = _task_tokens.pop(str(task_result.id), None)
    if token is None:
        return
    try:
        _current.reset(token)
    except ValueError:  # bound in another context: nothing of ours to restore here
        _current.set(None)


def connect_task_signals() -> None:
    """Connect the receivers above (idempotent)."""
    pre_save.connect(
        _stamp_task_row,
        sender="django_tasks_database.DBTaskResult",
        dispatch_uid="lib.requestid.stamp_task_row",
    )
    task_enqueued.connect(_task_queued, dispatch_uid="lib.requestid.task_queued")
    task_started.connect(_task_started, dispatch_uid="lib.requestid.task_started")
    task_finished.connect(_task_finished, dispatch_uid="lib.requestid.task_finished")


connect_task_signals()
