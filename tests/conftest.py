"""Test session settings: Prefect state inside the project, shared data beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect"))
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # offline: no telemetry attempts
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

from extract.settings import get_settings


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    path = get_settings().shared_dir
    if not path.exists():
        pytest.fail(f"shared folder {path} not found: set BIOMED_EXTRACT_SHARED_DIR")
    return path


@pytest.fixture(scope="session")
def seed_pages(shared_dir: Path) -> dict[str, Path]:
    pages = shared_dir / "samples" / "pages"
    return {
        "teriparatide": pages / "case_report_teriparatide.txt",
        "calcinosis": pages / "abstract_calcinosis_cutis.txt",
    }
