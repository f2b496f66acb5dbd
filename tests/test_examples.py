"""Every example script runs to completion (PyBaMM ``tests/test_scripts.py`` style)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).resolve().parents[1] / "examples").glob("*.py"))


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_script_runs_exits_zero(script, tmp_path):
    """The example script runs in a fresh interpreter (in an empty folder) and exits with status 0."""
    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, f"{script.name} failed:\n{result.stdout}\n{result.stderr}"
    assert not any(tmp_path.iterdir()), f"{script.name} wrote files into its working folder"
