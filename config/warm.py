"""A web worker's start: load what its first requests would, then hide it from the
garbage collector (config/gunicorn.py post_worker_init, and bench/national.py as a
worker does).

Django imports views when the URL map is first read and compiles a template when it
is first rendered, so a worker that froze its objects on start would leave most of
them to be loaded, and walked by every full collection, later. A full collection in
the middle of a 500-item OpenActive page at national scale walked 150,000 such
objects: a request in five took 80 ms more.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import engines
from django.urls import get_resolver


def templates() -> list[str]:
    """Every template of the project's own (templates/ and the apps' templates/)."""
    configured: list[dict[str, Any]] = settings.TEMPLATES
    roots = [Path(root) for engine in configured for root in engine.get("DIRS", [])]
    roots += sorted(Path(settings.BASE_DIR, "inspiring").glob("*/templates"))
    return sorted(
        {
            path.relative_to(root).as_posix()
            for root in roots
            for path in root.rglob("*")
            if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".ics"}
        }
    )


def warm() -> int:
    """Read the URL map (importing every view) and compile every template; how many."""
    resolver = get_resolver()
    _views = resolver.url_patterns  # reading it imports the views
    _names = resolver.reverse_dict  # and this builds the map reverse() reads
    engine = engines["django"]
    names = templates()
    for name in names:
        engine.get_template(name)
    return len(names)


def warm_and_freeze() -> None:
    """warm(), then move everything the process holds out of the collector's reach."""
    warm()
    gc.collect()
    gc.freeze()
