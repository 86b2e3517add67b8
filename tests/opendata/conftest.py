from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator, FormatChecker  # type: ignore[import-untyped]

from tests.directory.conftest import TODAY, directory, frozen_today  # noqa: F401

# The Open Referral UK profile's compiled schemas, kept with the tests (see SOURCES.md there).
SCHEMAS = Path(__file__).parent / "schemas"


def schema(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text())
    return data


def validator(name_or_schema: str | dict[str, Any]) -> Draft202012Validator:
    loaded = schema(name_or_schema) if isinstance(name_or_schema, str) else name_or_schema
    return Draft202012Validator(loaded, format_checker=FormatChecker())


def assert_valid(data: Any, name_or_schema: str | dict[str, Any]) -> None:
    errors = sorted(validator(name_or_schema).iter_errors(data), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def get_json(client: Client, url: str, status: int = 200) -> Any:
    response = client.get(url)
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    assert response["Access-Control-Allow-Origin"] == "*"
    return json.loads(response.content)


@pytest.fixture
def api(client: Client) -> Client:
    """An anonymous client: the open-data API needs no sign-in and no key."""
    return client
