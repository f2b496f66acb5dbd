"""Polynomial ``atan2`` and ``sin``/``cos`` for the engine's lane loops (numba kernels).

Why by hand: the engine steps 16 samples together and relies on LLVM to turn
each lane loop into AVX-512 vector code. A call into libm's ``atan2``, ``sin``
or ``cos`` stops that (numba's pip-installed llvmlite has no vector math
library, SVML), so the canopy's heading error and bank go through these
kernels: only multiplications, additions, one division and selects, which
LLVM vectorises. They are accurate to about one unit in the last place
(tests/physics/test_trig.py checks them against libm on dense grids).

- ``atan2_kernel``: the quotient of the smaller over the larger magnitude
  (in [0, 1]) is reduced once more with ``atan(a) = pi/6 + atan((a - k) /
  (1 + k a))``, ``k = 1/sqrt(3)``, to ``|u| <= tan(pi/12)``, where the
  Maclaurin series of ``atan`` to ``u^27`` is below 2e-17 in error; the
  octant is restored with offsets of ``pi/2`` and ``pi``. Each constant is a
  double plus its rounding error, added last (without that the result was up
  to 4 units in the last place off).
- ``sin_cos_kernel``: Maclaurin series to ``x^21`` and ``x^22`` for
  ``|x| <= pi/2`` (truncation below 2e-18): a bank angle, which the scenario
  schema keeps below 90 degrees. Not for larger angles.

References
----------
.. [1] M. Abramowitz, I. A. Stegun, *Handbook of Mathematical Functions*,
   4.3.65 and 4.3.66 (sine and cosine series), 4.4.42 (arctangent series),
   4.4.34 (the addition formula behind the reduction).
"""

from __future__ import annotations

import math

import numba

__all__ = ["atan2_kernel", "sin_cos_kernel"]

_OPTS = dict(cache=True, inline="always", error_model="numpy")

_TAN_PI_12 = 2.0 - math.sqrt(3.0)
# constants as a double plus the double nearest their rounding error (50-digit decimals)
_INV_SQRT3, _INV_SQRT3_LO = 0.5773502691896257, 3.3450280739356345e-17
_PI_6, _PI_6_LO = 0.5235987755982989, -5.360408832255455e-17
_PI_2, _PI_2_LO = 1.5707963267948966, 6.123233995736766e-17
_PI, _PI_LO = 3.141592653589793, 1.2246467991473532e-16


@numba.njit(**_OPTS)
def _atan_unit(a):
    """atan(a) for 0 <= a <= 1."""
    big = a > _TAN_PI_12
    u = ((a - _INV_SQRT3) - _INV_SQRT3_LO) / (1.0 + _INV_SQRT3 * a) if big else a
    u2 = u * u
    # u - u^3/3 + u^5/5 - ... - u^27/27, Horner in u^2
    p = -1.0 / 27.0
    p = 1.0 / 25.0 + u2 * p
    p = -1.0 / 23.0 + u2 * p
    p = 1.0 / 21.0 + u2 * p
    p = -1.0 / 19.0 + u2 * p
    p = 1.0 / 17.0 + u2 * p
    p = -1.0 / 15.0 + u2 * p
    p = 1.0 / 13.0 + u2 * p
    p = -1.0 / 11.0 + u2 * p
    p = 1.0 / 9.0 + u2 * p
    p = -1.0 / 7.0 + u2 * p
    p = 1.0 / 5.0 + u2 * p
    p = -1.0 / 3.0 + u2 * p
    r = u + u * (u2 * p)
    return (r + _PI_6_LO) + _PI_6 if big else r


@numba.njit(**_OPTS)
def atan2_kernel(y, x):
    """The angle of the point (x, y) from the positive x axis, in [-pi, pi] [rad] (scalar kernel).

    Like ``math.atan2`` for finite arguments, signed zeros included; within two
    units in the last place of it. NaN in, NaN out.
    """
    ax = abs(x)
    ay = abs(y)
    steep = ay > ax
    big = ay if steep else ax
    small = ax if steep else ay
    a = small / big if big > 0.0 else 0.0
    if not (big == big) or not (small == small):
        a = math.nan
    r = _atan_unit(a)
    r = (_PI_2 - r) + _PI_2_LO if steep else r
    r = (_PI - r) + _PI_LO if math.copysign(1.0, x) < 0.0 else r  # -0.0 counts as negative, as in libm
    return math.copysign(r, y)


@numba.njit(**_OPTS)
def sin_cos_kernel(x):
    """(sin x, cos x) for ``|x| <= pi/2`` (scalar kernel), within about one unit in the last place."""
    x2 = x * x
    s = 1.0 / 51090942171709440000.0  # 1/21!
    s = -1.0 / 121645100408832000.0 + x2 * s
    s = 1.0 / 355687428096000.0 + x2 * s
    s = -1.0 / 1307674368000.0 + x2 * s
    s = 1.0 / 6227020800.0 + x2 * s
    s = -1.0 / 39916800.0 + x2 * s
    s = 1.0 / 362880.0 + x2 * s
    s = -1.0 / 5040.0 + x2 * s
    s = 1.0 / 120.0 + x2 * s
    s = -1.0 / 6.0 + x2 * s
    c = 1.0 / 1124000727777607680000.0  # 1/22!
    c = -1.0 / 2432902008176640000.0 + x2 * c
    c = 1.0 / 6402373705728000.0 + x2 * c
    c = -1.0 / 20922789888000.0 + x2 * c
    c = 1.0 / 87178291200.0 + x2 * c
    c = -1.0 / 479001600.0 + x2 * c
    c = 1.0 / 3628800.0 + x2 * c
    c = -1.0 / 40320.0 + x2 * c
    c = 1.0 / 720.0 + x2 * c
    c = -1.0 / 24.0 + x2 * c
    c = 0.5 + x2 * c
    return x + x * (x2 * s), 1.0 - x2 * c
