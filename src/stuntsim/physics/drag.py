"""Quadratic aerodynamic drag on a point mass, and what follows from it.

References
----------
Hoerner, S. F. (1965). Fluid-Dynamic Drag. Hoerner Fluid Dynamics. (drag area C_D*A)
"""

from __future__ import annotations

import math

import numba
import numpy as np

STANDARD_GRAVITY = 9.80665  # [m s-2], conventional value (CGPM 1901)


@numba.njit(cache=True, inline="always")
def drag_acceleration_kernel(ux, uy, uz, air_density, drag_area, mass):
    """Drag acceleration on a point mass [m s-2], opposite the air-relative velocity.

    Parameters
    ----------
    ux, uy, uz : float
        Velocity relative to the air (east, north, up) [m s-1].
    air_density : float
        [kg m-3]
    drag_area : float
        Drag coefficient times reference area, C_D*A [m2].
    mass : float
        [kg]

    Notes
    -----
    a = -(rho C_D A / (2 m)) |u| u.
    """
    k = 0.5 * air_density * drag_area * math.sqrt(ux * ux + uy * uy + uz * uz) / mass
    return -k * ux, -k * uy, -k * uz


def terminal_speed(mass, drag_area, air_density, gravity=STANDARD_GRAVITY):
    """Terminal speed of a quadratic-drag fall, sqrt(2 m g / (rho C_D A)) [m s-1]."""
    return np.sqrt(2.0 * np.asarray(mass) * gravity / (np.asarray(air_density) * np.asarray(drag_area)))


def drag_area_from_terminal_speed(mass, terminal_speed, air_density, gravity=STANDARD_GRAVITY):
    """Drag area C_D*A [m2] that gives a terminal speed: 2 m g / (rho v_t^2)."""
    return 2.0 * np.asarray(mass) * gravity / (np.asarray(air_density) * np.asarray(terminal_speed) ** 2)
