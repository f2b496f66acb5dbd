"""stuntsim: physics simulator and safety planner for aerial film stunts.

Decision support for qualified stunt and safety professionals, not a substitute for them.
"""

__version__ = "0.1.0"

DISCLAIMER = (
    "stuntsim is decision support for qualified stunt and safety professionals; "
    "it is not a substitute for their judgement, training or on-site checks."
)

