"""The numba cache directory is keyed by the kernels' source (stuntsim/__init__.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import stuntsim

PRINT_CACHE_DIR = "import os, stuntsim; print(os.environ.get('NUMBA_CACHE_DIR', ''))"


def _cache_dir(env):
    out = subprocess.run([sys.executable, "-c", PRINT_CACHE_DIR], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_an_edit_to_a_kernel_module_starts_a_fresh_cache_dir(tmp_path):
    """numba checks a cached function against its own file only, and the engine inlines kernels
    of other files; an edit to one of those must name another cache directory."""
    copy = tmp_path / "pkg" / "stuntsim"
    shutil.copytree(Path(stuntsim.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path / "cache"), PYTHONPATH=str(copy.parent))
    before = _cache_dir(env)
    assert Path(before).is_dir() and Path(before).parent == tmp_path / "cache" / "stuntsim" / "numba"
    assert _cache_dir(env) == before  # the same sources, the same directory
    with open(copy / "physics" / "canopy.py", "a") as f:
        f.write("\n# an edit\n")
    assert _cache_dir(env) != before


def test_an_explicit_cache_dir_is_respected(tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "mine"), XDG_CACHE_HOME=str(tmp_path))
    assert _cache_dir(env) == str(tmp_path / "mine")
    assert not (tmp_path / "stuntsim").exists()
