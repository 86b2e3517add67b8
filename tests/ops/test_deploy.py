"""The stack as code (issue 19, item 1): the Procfile, gunicorn's settings from the
environment, and the example systemd units kept in step with the Procfile."""

from __future__ import annotations

import filecmp
import gc
import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)


def procfile() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            found[name.strip()] = command.strip()
    return found


def test_the_procfile_runs_web_worker_and_scheduler() -> None:
    processes = procfile()
    assert set(processes) == {"web", "worker", "scheduler"}
    assert processes["web"] == "gunicorn config.wsgi --config config/gunicorn.py"
    commands = get_commands()
    for name in ("worker", "scheduler"):
        words = processes[name].split()
        assert words[:2] == ["python", "manage.py"] and words[2] in commands


def test_gunicorn_takes_its_port_and_workers_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "5123")
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    sys.modules.pop("config.gunicorn", None)
    config = importlib.import_module("config.gunicorn")
    assert config.bind == "0.0.0.0:5123" and config.workers == 3
    monkeypatch.delenv("PORT")
    monkeypatch.delenv("WEB_CONCURRENCY")
    config = importlib.reload(config)
    assert config.bind == "0.0.0.0:8000" and config.workers == 2


def test_a_worker_starts_with_every_view_and_template_loaded_and_frozen() -> None:
    from django.template import engines
    from django.urls import get_resolver

    from config import gunicorn
    from config.warm import templates, warm

    names = templates()
    assert "base.html" in names and "directory/whats_on.html" in names
    assert "playbook/report.html" in names or any(n.startswith("playbook/") for n in names)
    assert warm() == len(names)
    # Every one compiled: a template that does not compile would stop a worker starting.
    for name in names:
        assert engines["django"].get_template(name) is not None
    assert get_resolver().reverse_dict
    gc.unfreeze()
    try:
        gunicorn.post_worker_init(object())
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()


def test_the_example_systemd_units_are_the_procfile_s(tmp_path: Path) -> None:
    """`make systemd` writes deploy/systemd from the Procfile; run it again here and
    compare, so a change to the Procfile without the units fails."""
    honcho = Path(sys.executable).parent / "honcho"
    subprocess.run(
        [
            str(honcho),
            "export",
            "-e",
            "/dev/null",
            "-f",
            str(ROOT / "Procfile"),
            "-a",
            "inspiring",
            "-u",
            "inspiring",
            "-d",
            "/srv/inspiring",
            "-p",
            "8000",
            "-t",
            str(ROOT / "deploy" / "templates"),
            "systemd",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    made = sorted(p.name for p in tmp_path.iterdir())
    kept = sorted(p.name for p in (ROOT / "deploy" / "systemd").iterdir())
    assert made == kept
    _, differ, errors = filecmp.cmpfiles(tmp_path, ROOT / "deploy" / "systemd", made, shallow=False)
    assert not differ and not errors, f"run `make systemd`: {differ or errors} differ"
    web = (ROOT / "deploy" / "systemd" / "inspiring-web-1.service").read_text()
    assert "ExecStart=/bin/sh -c 'exec gunicorn config.wsgi --config config/gunicorn.py'" in web
    assert "EnvironmentFile=/etc/inspiring/inspiring.env" in web
    assert "SECRET_KEY=" not in web
