"""The polynomial atan2 and sin/cos kernels against libm (math.atan2, math.sin, math.cos) on dense grids."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stuntsim.physics.trig import atan2_kernel, sin_cos_kernel


def _ulps(value, reference):
    return abs(value - reference) / np.spacing(max(abs(reference), np.finfo(float).tiny))


def test_atan2_within_two_ulp_of_libm_all_round_the_circle():
    """Every direction on a 100,001-point circle and radii from 1e-300 to 1e300."""
    for radius in (1e-300, 1e-3, 1.0, 7.3e4, 1e300):
        for angle in np.linspace(-math.pi, math.pi, 100_001):
            y, x = radius * math.sin(angle), radius * math.cos(angle)
            reference = math.atan2(y, x)
            assert _ulps(atan2_kernel(y, x), reference) <= 2.0, (y, x)


@settings(max_examples=2000, deadline=None)
@given(y=st.floats(-1e6, 1e6), x=st.floats(-1e6, 1e6))
def test_atan2_matches_libm_for_any_finite_pair(y, x):
    reference = math.atan2(y, x)
    value = atan2_kernel(y, x)
    assert abs(value - reference) <= 2.0 * np.spacing(max(abs(reference), 1e-300)) or value == reference


def test_atan2_special_points():
    assert atan2_kernel(0.0, 0.0) == 0.0
    assert atan2_kernel(0.0, -1.0) == pytest.approx(math.pi, abs=0.0)
    assert atan2_kernel(1.0, 0.0) == pytest.approx(math.pi / 2, abs=0.0)
    assert atan2_kernel(-1.0, 0.0) == pytest.approx(-math.pi / 2, abs=0.0)
    assert math.isnan(atan2_kernel(math.nan, 1.0)) and math.isnan(atan2_kernel(1.0, math.nan))


def test_sin_cos_within_two_ulp_of_libm_on_the_bank_range():
    """|x| <= pi/2, the range a bank angle can take."""
    for x in np.linspace(-math.pi / 2, math.pi / 2, 200_001):
        s, c = sin_cos_kernel(x)
        assert abs(s - math.sin(x)) <= 2.0 * np.spacing(max(abs(math.sin(x)), 1e-300)), x
        # cos near pi/2 is small: count its error against the arguments' own rounding (ulp of 1)
        assert abs(c - math.cos(x)) <= 2.0 * np.spacing(1.0), x
