"""Pure SI physics kernels (float/ndarray in, float/ndarray out).

Imports only the standard library, numpy, scipy and numba.
"""
