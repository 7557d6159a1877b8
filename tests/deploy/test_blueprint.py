"""What a Blueprint deploy fixes once and for all, chosen rather than left to Render's defaults:
the Python (.python-version, the one the suite runs on), the region, the PostgreSQL major
version (the one the suite runs on), and a database closed to the internet."""

import os
import platform
import re

import pytest
import yaml
from django.db import connection

from tests.support import BASE_DIR

BLUEPRINT = yaml.safe_load((BASE_DIR / "render.yaml").read_text())
SERVICE = BLUEPRINT["services"][0]
DATABASE = BLUEPRINT["databases"][0]
PINNED_PYTHON = (BASE_DIR / ".python-version").read_text().strip()
# Render's regions (docs/render.md).
REGIONS = {"oregon", "ohio", "virginia", "frankfurt", "singapore"}


class TestPinnedPython:
    def test_it_is_one_released_version_in_full(self):
        # PYTHON_VERSION in the Blueprint would win over the file; a bare 3.11 would let
        # Render take whatever 3.11 release is newest.
        assert re.fullmatch(r"3\.\d+\.\d+", PINNED_PYTHON), PINNED_PYTHON
        assert "PYTHON_VERSION" not in {variable["key"] for variable in SERVICE["envVars"]}

    def test_the_suite_runs_on_it(self):
        if platform.python_version() != PINNED_PYTHON and (
            os.environ.get("REQUIRE_PINNED_PYTHON") != "true"
        ):
            pytest.skip(
                f"Python {platform.python_version()}, not the {PINNED_PYTHON} Render runs "
                "(.ci/run requires it with REQUIRE_PINNED_PYTHON=true)"
            )

        assert platform.python_version() == PINNED_PYTHON


class TestDatabase:
    def test_it_is_in_the_web_service_s_region(self):
        assert DATABASE["region"] in REGIONS
        assert SERVICE["region"] == DATABASE["region"]

    def test_it_takes_no_connections_from_the_internet(self):
        assert DATABASE["ipAllowList"] == []

    @pytest.mark.django_db
    def test_its_major_version_is_the_one_the_suite_runs_on(self):
        if connection.vendor != "postgresql":
            pytest.skip("the suite runs on SQLite here; CI's PostgreSQL run compares them")

        assert connection.pg_version // 10_000 == int(DATABASE["postgresMajorVersion"])
