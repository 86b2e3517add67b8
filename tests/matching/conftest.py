from __future__ import annotations

from tests.casework.conftest import casework as casework  # the casework fixture
