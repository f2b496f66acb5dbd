"""Parachute deployment, inflation and ram-air canopy flight.

Frame: ENU, z up. Velocities handed to the aerodynamic kernels are relative
to the air (ground velocity minus wind). SI units throughout.

The scalar kernels (``*_kernel``) are numba-compiled functions of floats for
the flight engine's inner loop; the functions without the suffix broadcast
over numpy arrays.
"""

import math

import numba
import numpy as np

from stuntsim.physics.trig import atan2_kernel, sin_cos_kernel

__all__ = [
    "nominal_diameter_from_area",
    "fill_time_knacke",
    "inflation_drag_area_kernel",
    "inflation_drag_area",
    "opening_force_knacke",
    "inflation_speed_analytic",
    "inflation_peak_force_analytic",
    "line_stretch_delay",
    "glide_coefficients_from_polar",
    "glider_aero_acceleration_kernel",
    "glider_aero_acceleration",
    "turn_rate_from_bank",
    "steering_bank_kernel",
    "MAX_GROWTH_EXPONENT",
]

#: Largest drag-area growth exponent j the kernels take (the scenario schema allows 1 to 6).
MAX_GROWTH_EXPONENT = 8


def _result(value):
    """Return a 0-d array as a float, leave other arrays alone."""
    return np.asarray(value)[()]


def nominal_diameter_from_area(area):
    """Nominal diameter of a parachute from its canopy area.

    Parameters
    ----------
    area : array_like
        Nominal (reference) canopy area S_0 [m2].

    Returns
    -------
    numpy.ndarray or float
        Nominal diameter D_0 [m]; NaN for a negative area.

    Notes
    -----
    .. math:: D_0 = \\sqrt{4 S_0 / \\pi}

    The diameter of a circle of the canopy's reference area; for a ram-air
    canopy it is only a length scale for the fill-time correlation.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991 (definition of
       the nominal diameter D_0 from the nominal area S_0).
    """
    area = np.asarray(area, dtype=float)
    with np.errstate(invalid="ignore"):
        return _result(np.sqrt(4.0 * area / np.pi))


def fill_time_knacke(fill_constant, nominal_diameter, speed):
    """Canopy filling time from Knacke's fill-constant correlation.

    Parameters
    ----------
    fill_constant : array_like
        Canopy fill constant n [-]. An input: typically of order 4-12 for
        solid-cloth round canopies (UNCONFIRMED: Knacke's tables of n were
        not retrievable, REFERENCE.md §3.3); a ram-air canopy slowed by a
        slider is not covered by those tables.
    nominal_diameter : array_like
        Nominal diameter D_0 [m].
    speed : array_like
        Airspeed at line stretch v_s [m s-1].

    Returns
    -------
    numpy.ndarray or float
        Filling time t_f [s]; inf where ``speed <= 0`` (no inflow: the
        canopy never fills).

    Notes
    -----
    .. math:: t_f = \\frac{n D_0}{v_s}

    i.e. the canopy fills after the air has travelled a fixed number of
    diameters past it ("constant fill distance"). Valid for the
    infinite-mass-like case where the speed changes little during filling.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991, ch. 5
       (filling time).
    """
    speed = np.asarray(speed, dtype=float)
    positive = speed > 0.0
    safe_speed = np.where(positive, speed, 1.0)
    return _result(np.where(positive, fill_constant * nominal_diameter / safe_speed, np.inf))


@numba.njit(cache=True, error_model="numpy")  # IEEE division: 0 / 0 is NaN, selected away below
def inflation_drag_area_kernel(
    time_since_line_stretch, fill_time, drag_area_start, drag_area_full, exponent
):
    """Drag area of a canopy during inflation (scalar kernel).

    Parameters
    ----------
    time_since_line_stretch : float
        Time since line stretch t [s].
    fill_time : float
        Filling time t_f [s]; ``<= 0`` means instant inflation.
    drag_area_start : float
        Drag area at line stretch (C_D S)_0 [m2].
    drag_area_full : float
        Drag area of the fully open canopy (C_D S)_f [m2].
    exponent : int
        Drag-area growth exponent j [-], an integer from 0 to MAX_GROWTH_EXPONENT (typically 1 to 6;
        the value for a given canopy type is UNCONFIRMED, Knacke's tables
        were not retrievable).

    Returns
    -------
    float
        Drag area [m2]; NaN for ``t < 0`` or an exponent outside 0..MAX_GROWTH_EXPONENT.

    Notes
    -----
    .. math:: C_DS(t) = (C_DS)_0 + \\left[(C_DS)_f - (C_DS)_0\\right]
              \\left(\\frac{t}{t_f}\\right)^j \\quad (0 \\le t \\le t_f)

    and :math:`(C_DS)_f` after :math:`t_f`. The power is taken by repeated
    multiplication. The form ignores overinflation (a drag-area overshoot
    past t_f) and the snatch force at line stretch.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991, ch. 5
       (drag-area growth (t/t_f)^j during inflation).
    """
    # selects, not branches, and a power loop of fixed trip count (a multiplication by 1 is
    # exact, so the value is the repeated product): the engine's lane loops vectorise
    ratio = time_since_line_stretch / fill_time
    power = 1.0
    for k in range(MAX_GROWTH_EXPONENT):
        power = power * ratio if k < exponent else power
    area = drag_area_start + (drag_area_full - drag_area_start) * power
    area = drag_area_full if time_since_line_stretch >= fill_time else area
    valid = time_since_line_stretch >= 0.0 and 0 <= exponent <= MAX_GROWTH_EXPONENT
    return area if valid else math.nan


def inflation_drag_area(
    time_since_line_stretch, fill_time, drag_area_start, drag_area_full, exponent
):
    """Drag area during inflation, broadcasting over arrays.

    Parameters
    ----------
    time_since_line_stretch, fill_time, drag_area_start, drag_area_full : array_like
        As in :func:`inflation_drag_area_kernel` [s], [s], [m2], [m2].
    exponent : int or array_like of int
        Drag-area growth exponent j >= 0 [-].

    Returns
    -------
    numpy.ndarray or float
        Drag area [m2]; NaN where ``t < 0`` or the exponent is outside 0..MAX_GROWTH_EXPONENT.

    Notes
    -----
    Same model as :func:`inflation_drag_area_kernel`, with numpy operations.
    """
    time = np.asarray(time_since_line_stretch, dtype=float)
    fill_time = np.asarray(fill_time, dtype=float)
    exponent = np.asarray(exponent)
    filling = time < fill_time
    safe_fill = np.where(filling, fill_time, 1.0)
    ratio = np.where(filling, time / safe_fill, 1.0)
    power = ratio ** np.maximum(exponent, 0)
    area = drag_area_start + (drag_area_full - drag_area_start) * power
    area = np.where(filling, area, drag_area_full)
    area = np.where((time < 0.0) | (exponent < 0) | (exponent > MAX_GROWTH_EXPONENT), np.nan, area)
    return _result(area)


def opening_force_knacke(
    drag_area_full, dynamic_pressure, opening_force_coefficient, force_reduction_factor
):
    """Peak opening force by Knacke's opening-force-coefficient method.

    Parameters
    ----------
    drag_area_full : array_like
        Drag area of the fully open canopy (C_D S)_o [m2].
    dynamic_pressure : array_like
        Dynamic pressure at line stretch q_s = rho v_s^2 / 2 [Pa].
    opening_force_coefficient : array_like
        Opening-force coefficient C_x (infinite-mass case) [-]. An input:
        Knacke's C_x values were not retrievable (UNCONFIRMED, REFERENCE.md
        §3.3).
    force_reduction_factor : array_like
        Force-reduction factor X_1 [-], a function of the canopy loading or
        ballistic mass ratio; 1 for the infinite-mass case. An input, see
        :func:`inflation_peak_force_analytic` for one gravity-free model.

    Returns
    -------
    numpy.ndarray or float
        Peak opening force F_o [N].

    Notes
    -----
    .. math:: F_o = (C_DS)_o\\, q_s\\, C_x\\, X_1

    Excludes the snatch force at line stretch.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991, ch. 5
       (opening forces). Formula shape as in REFERENCE.md §3.3.
    """
    return _result(
        np.asarray(drag_area_full, dtype=float)
        * dynamic_pressure
        * opening_force_coefficient
        * force_reduction_factor
    )


def _ballistic_parameter(initial_speed, fill_time, drag_area_full, air_density, mass):
    """M = 2 m / (rho (C_D S)_f v_0 t_f) [-]; inf for instant inflation."""
    denominator = air_density * drag_area_full * initial_speed * fill_time
    positive = denominator > 0.0
    return np.where(positive, 2.0 * mass / np.where(positive, denominator, 1.0), np.inf)


def inflation_speed_analytic(
    t, initial_speed, fill_time, drag_area_full, air_density, mass, exponent
):
    """Speed during and after inflation: gravity-free, straight-line solution.

    Parameters
    ----------
    t : array_like
        Time since line stretch [s].
    initial_speed : array_like
        Airspeed at line stretch v_0 [m s-1], > 0.
    fill_time : array_like
        Filling time t_f [s], >= 0.
    drag_area_full : array_like
        Drag area of the fully open canopy (C_D S)_f [m2].
    air_density : array_like
        Air density, constant [kg m-3].
    mass : array_like
        Total decelerated mass (jumper, rig and canopy; no added air mass)
        [kg].
    exponent : int or array_like of int
        Drag-area growth exponent j >= 0 [-].

    Returns
    -------
    numpy.ndarray or float
        Speed v(t) [m s-1]; NaN for ``t < 0``.

    Notes
    -----
    Model: drag area :math:`C_DS = (C_DS)_f (t/t_f)^j` for
    :math:`0 \\le t \\le t_f` (i.e. :math:`(C_DS)_0 = 0`, see
    :func:`inflation_drag_area_kernel`), :math:`(C_DS)_f` after; no gravity,
    straight-line motion, constant density:

    .. math:: m \\frac{dv}{dt} = -\\tfrac12 \\rho\\, (C_DS)_f
              \\left(\\frac{t}{t_f}\\right)^j v^2

    Derivation: with :math:`u = 1/v`, :math:`du/dt = -v^{-2} dv/dt`, so
    :math:`du/dt = \\rho (C_DS)_f t^j / (2 m t_f^j)`, which integrates to

    .. math:: \\frac1v = \\frac1{v_0} + \\frac{\\rho (C_DS)_f\\, t^{j+1}}
              {2 m (j+1)\\, t_f^j} \\quad (t \\le t_f)

    and after full inflation

    .. math:: \\frac1v = \\frac1{v(t_f)} + \\frac{\\rho (C_DS)_f (t - t_f)}{2m}.

    Neglecting gravity is valid when the drag during the opening is much
    larger than the weight (a high-speed opening, or the first part of
    any opening); it is the textbook "finite-mass" opening case used to
    check the opening shock. Added (apparent) air mass is neglected.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991, ch. 5 (the
       gravity-free inflation analysis behind the Pflanz opening-force
       method; not checked against the manual's own text).
    """
    t = np.asarray(t, dtype=float)
    fill_time = np.asarray(fill_time, dtype=float)
    j = np.asarray(exponent)
    filling = t < fill_time
    safe_fill = np.where(fill_time > 0.0, fill_time, 1.0)
    ratio = np.where(filling, t / safe_fill, 1.0)
    # integral of (t/t_f)^j dt from 0 to min(t, t_f), plus the time after t_f
    swept_time = np.where(fill_time > 0.0, fill_time, 0.0) * ratio ** (j + 1) / (j + 1)
    swept_time = swept_time + np.maximum(t - fill_time, 0.0)
    inverse_speed = 1.0 / initial_speed + air_density * drag_area_full * swept_time / (2.0 * mass)
    speed = np.where(t < 0.0, np.nan, 1.0 / inverse_speed)
    return _result(speed)


def inflation_peak_force_analytic(
    initial_speed, fill_time, drag_area_full, air_density, mass, exponent
):
    """Peak drag force during inflation and its time, gravity-free solution.

    Parameters
    ----------
    initial_speed : array_like
        Airspeed at line stretch v_0 [m s-1], > 0.
    fill_time : array_like
        Filling time t_f [s], >= 0.
    drag_area_full : array_like
        Drag area of the fully open canopy (C_D S)_f [m2].
    air_density : array_like
        Air density, constant [kg m-3].
    mass : array_like
        Total decelerated mass [kg].
    exponent : int or array_like of int
        Drag-area growth exponent j >= 0 [-].

    Returns
    -------
    peak_force : numpy.ndarray or float
        Largest drag force F_max [N].
    peak_time : numpy.ndarray or float
        Time after line stretch at which it occurs [s].

    Notes
    -----
    Same model as :func:`inflation_speed_analytic`. During filling, with
    :math:`k = (C_DS)_f / t_f^j`, :math:`a = 1/v_0` and
    :math:`b = \\rho (C_DS)_f / (2 m (j+1) t_f^j)`,

    .. math:: F(t) = \\tfrac12 \\rho\\, k\\, t^j v^2
              = \\frac{\\rho k\\, t^j}{2 (a + b t^{j+1})^2}.

    Setting :math:`d\\ln F/dt = j/t - 2 (j+1) b t^j / (a + b t^{j+1}) = 0`
    gives :math:`j (a + b t^{j+1}) = 2 (j+1) b t^{j+1}`, so

    .. math:: t^* = \\left(\\frac{j a}{(j+2) b}\\right)^{1/(j+1)}.

    F rises before t* and falls after it, and after t_f the drag area is
    constant while v falls, so the peak is at :math:`\\min(t^*, t_f)`.
    In dimensionless form, with the ballistic parameter
    :math:`M = 2m / (\\rho (C_DS)_f v_0 t_f)` and :math:`\\tau = t/t_f`,

    .. math:: \\tau^* = \\left(\\frac{j (j+1) M}{j+2}\\right)^{1/(j+1)},\\quad
              \\frac{F_{max}}{q_0 (C_DS)_f} =
              \\frac{\\tau_p^{\\,j}}{\\left(1 + \\tau_p^{\\,j+1}/((j+1)M)\\right)^2},
              \\quad \\tau_p = \\min(\\tau^*, 1).

    The ratio :math:`F_{max}/(q_0 (C_DS)_f)` plays the role of Knacke's
    force-reduction factor X_1 for this model (which has no overinflation,
    C_x = 1); M has the form of the Pflanz ballistic parameter as commonly
    quoted (UNCONFIRMED against the manual). Instant inflation (t_f = 0) or
    j = 0 gives :math:`F_{max} = q_0 (C_DS)_f` at t = 0.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991, ch. 5 (opening
       forces, force-reduction factor; the Pflanz method).
    """
    initial_speed = np.asarray(initial_speed, dtype=float)
    fill_time = np.asarray(fill_time, dtype=float)
    j = np.asarray(exponent)
    ballistic = _ballistic_parameter(initial_speed, fill_time, drag_area_full, air_density, mass)
    with np.errstate(invalid="ignore", over="ignore"):
        tau_star = (j * (j + 1) * ballistic / (j + 2)) ** (1.0 / (j + 1))
    tau_peak = np.where(np.isnan(tau_star), 1.0, np.minimum(tau_star, 1.0))
    tau_peak = np.where(j == 0, 0.0, tau_peak)
    tau_power = tau_peak ** (j + 1)
    with np.errstate(divide="ignore"):
        slowing = tau_power / ((j + 1) * ballistic)
    dynamic_pressure = 0.5 * air_density * initial_speed * initial_speed
    peak_force = (
        dynamic_pressure * drag_area_full * tau_peak**j / ((1.0 + slowing) * (1.0 + slowing))
    )
    peak_time = tau_peak * np.where(fill_time > 0.0, fill_time, 0.0)
    return _result(peak_force), _result(peak_time)


def line_stretch_delay(
    airspeed,
    pilot_chute_diameter,
    bridle_length,
    line_length,
    throw_delay,
    pilot_chute_fill_constant,
):
    """Time from the start of the pilot-chute throw to line stretch.

    Parameters
    ----------
    airspeed : array_like
        Jumper's airspeed during deployment [m s-1].
    pilot_chute_diameter : array_like
        Pilot-chute diameter D_pc [m].
    bridle_length : array_like
        Bridle length, pilot chute to bag or canopy [m].
    line_length : array_like
        Length paid out from the bag to line stretch (suspension lines, with
        any canopy length the scenario adds) [m].
    throw_delay : array_like
        Time from the start of the throw to the pilot chute meeting clean air
        (reach, grab, throw) (ASSUMPTION, a per-jumper input) [s].
    pilot_chute_fill_constant : array_like
        Pilot-chute fill constant n_pc [-] (ASSUMPTION: no measured value in
        REFERENCE.md; of the same order as canopy fill constants).

    Returns
    -------
    numpy.ndarray or float
        Delay to line stretch [s]; inf where ``airspeed <= 0``.

    Notes
    -----
    .. math:: t_{ls} = t_{throw} + \\frac{n_{pc} D_{pc}}{v}
              + \\frac{L_{bridle} + L_{lines}}{v}

    A simple kinematic model (ASSUMPTION): after the throw the pilot chute
    inflates in :math:`n_{pc} D_{pc}/v` (Knacke's fill-distance form), then
    it is taken as anchored in the air while the jumper moves away at
    airspeed v, so bridle, bag and lines pay out at v. The jumper's own
    deceleration, pilot-chute hesitation in the burble and a slow pilot
    chute are ignored, so the model tends to be optimistic (short) at low
    airspeed. Published BASE opening timing tables were not found
    (REFERENCE.md §3.1, UNCONFIRMED); the §3.1 anecdote of a 2 s delay with
    a 42 in pilot chute reaching line stretch about 15 ft above water, after
    the pilot chute did not inflate cleanly, is context only.

    References
    ----------
    .. [1] T. W. Knacke, *Parachute Recovery Systems Design Manual*,
       NWC TP 6575, Naval Weapons Center, China Lake, 1991, ch. 5 (filling
       time t_f = n D_0 / v).
    """
    airspeed = np.asarray(airspeed, dtype=float)
    positive = airspeed > 0.0
    safe_speed = np.where(positive, airspeed, 1.0)
    payout = pilot_chute_fill_constant * pilot_chute_diameter + bridle_length + line_length
    return _result(np.where(positive, throw_delay + payout / safe_speed, np.inf))


def glide_coefficients_from_polar(
    forward_speed, sink_rate, mass, air_density, g=9.80665
):
    """Lift and drag areas of a canopy from one point of its glide polar.

    Parameters
    ----------
    forward_speed : array_like
        Horizontal airspeed u in steady straight glide [m s-1].
    sink_rate : array_like
        Rate of descent w in steady straight glide, positive down [m s-1].
    mass : array_like
        Suspended mass plus canopy [kg].
    air_density : array_like
        Air density at which the polar point was measured [kg m-3].
    g : float, optional
        Gravitational acceleration [m s-2].

    Returns
    -------
    lift_area : numpy.ndarray or float
        C_L S [m2].
    drag_area : numpy.ndarray or float
        C_D S [m2]. Both NaN where u = w = 0.

    Notes
    -----
    In steady straight flight in still air lift balances
    :math:`W\\cos\\gamma` and drag :math:`W\\sin\\gamma`, with
    :math:`\\tan\\gamma = w/u` and :math:`V^2 = u^2 + w^2`:

    .. math:: C_LS = \\frac{m g\\, u/V}{\\tfrac12 \\rho V^2},\\qquad
              C_DS = \\frac{m g\\, w/V}{\\tfrac12 \\rho V^2}

    Assumes constant coefficients (no dependence on speed or on the brake
    setting beyond the polar point used). A polar measured at a reference
    density :math:`\\rho_{ref}` gives the same coefficients at any density,
    with both speeds scaled by :math:`\\sqrt{\\rho_{ref}/\\rho}`.
    For scale: a ram-air canopy in full glide flies about 20 mph forward
    and 6-8 mph down (8.9 m/s, 2.7-3.6 m/s; REFERENCE.md §3.4, secondary).

    References
    ----------
    .. [1] J. D. Anderson, *Introduction to Flight*, McGraw-Hill
       (gliding flight: L = W cos(gamma), D = W sin(gamma)).
    """
    forward_speed = np.asarray(forward_speed, dtype=float)
    speed_squared = forward_speed * forward_speed + sink_rate * sink_rate
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.sqrt(speed_squared)
        weight_per_q = mass * g / (0.5 * air_density * speed_squared)
        lift_area = weight_per_q * forward_speed / speed
        drag_area = weight_per_q * sink_rate / speed
    return _result(lift_area), _result(drag_area)


@numba.njit(cache=True)
def glider_aero_acceleration_kernel(vx, vy, vz, lift_area, drag_area, bank, air_density, mass):
    """Aerodynamic acceleration of a gliding canopy (scalar kernel).

    Parameters
    ----------
    vx, vy, vz : float
        Velocity relative to the air, ENU (east, north, up) [m s-1].
    lift_area : float
        C_L S [m2].
    drag_area : float
        C_D S [m2].
    bank : float
        Bank angle [rad], ``|bank| <= pi/2``; positive banks to the right of
        the direction of flight (a clockwise turn seen from above).
    air_density : float
        Air density [kg m-3].
    mass : float
        Mass of the system [kg].

    Returns
    -------
    ax, ay, az : float
        Aerodynamic acceleration, ENU [m s-2] (gravity not included).

    Notes
    -----
    Drag along :math:`-\\hat v`, lift perpendicular to :math:`\\vec v`:

    .. math:: \\vec a = \\frac{\\rho V}{2m}\\left[-C_DS\\,\\vec v +
              C_LS\\, V\\left(\\cos\\phi\\,\\hat l_0 + \\sin\\phi\\,\\hat s\\right)\\right]

    with :math:`\\hat l_0 = (\\vec v\\times\\hat z)\\times\\vec v / |\\cdot|
    = (-v_x v_z, -v_y v_z, V_h^2)/(V_h V)`, the unit vector perpendicular to
    v in the vertical plane containing v, with a non-negative up component;
    and :math:`\\hat s = \\hat v\\times\\hat l_0 = (v_y, -v_x, 0)/V_h`, the
    horizontal unit vector to the right of the direction of flight. This is
    the rotation of :math:`\\hat l_0` about :math:`\\hat v` by the bank angle
    (right-handed), with the magnitude unchanged.

    Point-mass model (ASSUMPTION): the lift direction follows from the
    velocity and the bank, not from a canopy heading, so it is undefined
    for a purely vertical relative wind; there (``V_h == 0``) the kernel
    returns the drag alone, and zeros for ``V == 0``. Valid for gliding
    flight with a clear horizontal airspeed, not for the opening or a stall.

    References
    ----------
    .. [1] B. Etkin, L. D. Reid, *Dynamics of Flight: Stability and
       Control*, 3rd ed., Wiley, 1996 (point-mass flight-path equations;
       lift in the plane rotated by the bank angle about the velocity).
    """
    # no branches, only selects, so the engine's lane loops vectorise (an early return stops
    # LLVM); the polynomial sin/cos for the same reason
    horizontal_squared = vx * vx + vy * vy
    speed_squared = horizontal_squared + vz * vz
    speed = math.sqrt(speed_squared)
    scale = 0.5 * air_density * speed / mass
    drag = scale * drag_area
    ax = -drag * vx
    ay = -drag * vy
    az = -drag * vz
    level = horizontal_squared > 0.0  # lift is defined: V_h > 0 (so V > 0)
    horizontal = math.sqrt(horizontal_squared if level else 1.0)
    speed = speed if level else 1.0
    lift = scale * lift_area * speed
    sin_bank, cos_bank = sin_cos_kernel(bank)
    up_factor = cos_bank * lift / (horizontal * speed)
    side_factor = sin_bank * lift / horizontal
    up_factor = up_factor if level else 0.0
    side_factor = side_factor if level else 0.0
    ax += -up_factor * vx * vz + side_factor * vy
    ay += -up_factor * vy * vz - side_factor * vx
    az += up_factor * horizontal_squared
    return ax, ay, az


def glider_aero_acceleration(vx, vy, vz, lift_area, drag_area, bank, air_density, mass):
    """Aerodynamic acceleration of a gliding canopy, broadcasting over arrays.

    Parameters
    ----------
    vx, vy, vz, lift_area, drag_area, bank, air_density, mass : array_like
        As in :func:`glider_aero_acceleration_kernel`, in the same units.

    Returns
    -------
    ax, ay, az : numpy.ndarray or float
        Aerodynamic acceleration, ENU [m s-2].

    Notes
    -----
    Same model as :func:`glider_aero_acceleration_kernel`, with numpy
    operations.
    """
    vx = np.asarray(vx, dtype=float)
    vy = np.asarray(vy, dtype=float)
    vz = np.asarray(vz, dtype=float)
    horizontal_squared = vx * vx + vy * vy
    speed_squared = horizontal_squared + vz * vz
    speed = np.sqrt(speed_squared)
    horizontal = np.sqrt(horizontal_squared)
    scale = 0.5 * air_density * speed / mass
    drag = scale * drag_area
    lift = np.where(horizontal > 0.0, scale * lift_area * speed, 0.0)
    safe_horizontal = np.where(horizontal > 0.0, horizontal, 1.0)
    up_factor = np.cos(bank) * lift / (safe_horizontal * np.where(speed > 0.0, speed, 1.0))
    side_factor = np.sin(bank) * lift / safe_horizontal
    ax = -drag * vx - up_factor * vx * vz + side_factor * vy
    ay = -drag * vy - up_factor * vy * vz - side_factor * vx
    az = -drag * vz + up_factor * horizontal_squared
    return _result(ax), _result(ay), _result(az)


def turn_rate_from_bank(speed, bank, g=9.80665):
    """Rate of turn in a coordinated level turn.

    Parameters
    ----------
    speed : array_like
        Airspeed V [m s-1], > 0.
    bank : array_like
        Bank angle [rad], positive to the right.
    g : float, optional
        Gravitational acceleration [m s-2].

    Returns
    -------
    numpy.ndarray or float
        Turn rate [rad s-1], positive clockwise seen from above (to the
        right); NaN where ``speed <= 0``.

    Notes
    -----
    .. math:: \\omega = \\frac{g \\tan\\phi}{V}

    Coordinated turn at constant height. A descending canopy turn is close
    to this when the flight path is shallow; descent rate rises in a turn
    (REFERENCE.md §3.4).

    References
    ----------
    .. [1] J. D. Anderson, *Introduction to Flight*, McGraw-Hill (the level
       turn: turn rate g tan(phi) / V).
    """
    speed = np.asarray(speed, dtype=float)
    positive = speed > 0.0
    safe_speed = np.where(positive, speed, 1.0)
    return _result(np.where(positive, g * np.tan(bank) / safe_speed, np.nan))


@numba.njit(cache=True, inline="always")
def steering_bank_kernel(heading_error, distance, gain, max_bank, holding_turn, holding_radius):
    """Bank the pilot commands toward a target (scalar kernel; the guidance law, an ASSUMPTION).

    Parameters
    ----------
    heading_error : float
        Angle from the direction of flight (air-relative) to the target, clockwise
        positive, in [-pi, pi] [rad].
    distance : float
        Horizontal distance to the target [m].
    gain : float
        Bank per heading error [-].
    max_bank : float
        Largest bank the pilot uses [rad], > 0.
    holding_turn : float
        0: pure pursuit, ``clip(gain * error, -max_bank, max_bank)``. +1 (right) or
        -1 (left): the pilot circles the target in this direction (see Notes).
    holding_radius : float
        With a holding turn: radius of the circle about the target the pilot aims
        to fly [m], > 0.

    Returns
    -------
    float
        Bank [rad], positive to the right.

    Notes
    -----
    Pure pursuit is singular over its target: the error jumps from 0 to +-pi as
    the target passes underneath, and the side it passes on decides the turn
    direction. A canopy circling down over its target under pursuit passes over
    it on every turn, so its touchdown point was ill-conditioned (a step-sized
    difference moved it 26 m along the circle).

    The holding law aims off the bearing by ``asin(r / d)`` toward the holding
    side, the direction of the tangent from the canopy to the circle of radius
    ``r`` about the target (by 90 deg within the circle), so the canopy joins the
    circle and goes round it without passing over the target; then it steers
    by pursuit on that aimed error ``e``, wrapped to (-pi, pi], except with the
    aim behind on the side opposite the holding turn (``e < -pi/2``), where the
    bank moves linearly from the pursuit bank at -90 deg to the holding-side
    bank at 180 deg. The bank is then continuous in position and heading (its
    one zero behind is flying directly away, an unstable equilibrium) away from
    the target itself, which the circling canopy keeps off.
    """
    if holding_turn == 0.0:
        return min(max(gain * heading_error, -max_bank), max_bank)
    # asin(r / d), as an atan2 the engine's lane loops can vectorise
    aim = atan2_kernel(holding_radius, math.sqrt(max(distance * distance - holding_radius * holding_radius, 0.0)))
    e = holding_turn * heading_error - aim
    if e <= -math.pi:
        e += 2.0 * math.pi
    if e >= -0.5 * math.pi:
        return holding_turn * min(max(gain * e, -max_bank), max_bank)
    quarter = min(max(-0.5 * math.pi * gain, -max_bank), max_bank)  # pursuit bank at e = -pi/2
    behind = min(max(math.pi * gain, -max_bank), max_bank)  # pursuit bank at e = +pi, the same heading as -pi
    return holding_turn * (quarter + (behind - quarter) * (-0.5 * math.pi - e) / (0.5 * math.pi))
