"""stuntsim: physics simulator and safety planner for aerial film stunts.

Decision support for qualified stunt and safety professionals, not a substitute for them.
"""

import hashlib
import os
import sys
from pathlib import Path

__version__ = "0.1.0"


def _key_the_numba_cache() -> None:
    """Keep compiled kernels in a cache directory named after the kernels' source.

    numba checks a cached function against its own file only, but the engine inlines
    the physics kernels of other files: after an edit to, say, physics/canopy.py the
    engine would load stale machine code and silently fly the old physics. So the
    cache lives in a directory keyed by a hash of every module in physics/ and
    simulate/; an edit to any of them starts a fresh one (and compiles once). An
    explicit NUMBA_CACHE_DIR is respected, and an unwritable home leaves numba's own
    default.
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    here = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*here.glob("physics/*.py"), *here.glob("simulate/*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    cache = root / "stuntsim" / "numba" / digest.hexdigest()[:16]
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(cache)
    if "numba" in sys.modules:  # imported before stuntsim: its config has already read the environment
        sys.modules["numba"].config.CACHE_DIR = str(cache)


_key_the_numba_cache()

DISCLAIMER = (
    "stuntsim is decision support for qualified stunt and safety professionals; "
    "it is not a substitute for their judgement, training or on-site checks."
)

