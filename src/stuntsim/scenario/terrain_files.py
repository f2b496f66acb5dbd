"""Read the terrain files a scenario refers to: a profile CSV and an elevation grid.

Both readers raise :class:`TerrainFileError` (a ``ValueError``) with a message
that names the file and says what is wrong with it; the scenario layer turns it
into a problem at ``terrain.file``.

Formats
-------
Profile CSV
    Header ``distance_m,elevation_msl_m``, then one row per point: distance along
    the jump heading from the datum [m] and elevation above mean sea level [m].
    Lines starting with ``#`` are comments. At least two points; distances
    strictly increasing.
Grid ``.npz``
    A numpy archive with the key ``elevation_msl``: a 2-D array, rows = north
    index, columns = east index, in the scenario's ``terrain.elevation_unit``.
Grid ``.csv``
    A plain 2-D numeric array (comma separated, no header; ``#`` comments),
    same layout and unit as the ``.npz``.
"""

from __future__ import annotations

import csv
import math
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["PROFILE_HEADER", "TerrainFileError", "read_elevation_grid", "read_profile_csv"]

#: The header a profile CSV must have.
PROFILE_HEADER = ("distance_m", "elevation_msl_m")


class TerrainFileError(ValueError):
    """A terrain file that is missing, unreadable or malformed."""


def _open_text(path: Path) -> list[str]:
    if not path.exists():
        raise TerrainFileError(f'the file "{path}" does not exist')
    if not path.is_file():
        raise TerrainFileError(f'"{path}" is not a file')
    try:
        return path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise TerrainFileError(f'the file "{path}" is not UTF-8 text') from None
    except OSError as error:
        raise TerrainFileError(f'the file "{path}" cannot be read ({error.strerror})') from None


def read_profile_csv(path: Path) -> tuple[tuple[float, float], ...]:
    """Read a terrain profile CSV into ``((distance, elevation_msl), ...)`` [m, m].

    Parameters
    ----------
    path : Path
        The CSV file (see the module docstring for the format).

    Returns
    -------
    tuple of (float, float)
        Distance along the jump heading from the datum [m] and elevation above
        mean sea level [m], distances strictly increasing.
    """
    lines = _open_text(path)
    rows = [
        (number, row)
        for number, row in enumerate(csv.reader(lines), start=1)
        if row and not row[0].lstrip().startswith("#") and any(cell.strip() for cell in row)
    ]
    if not rows:
        raise TerrainFileError(f'the profile file "{path}" is empty; expected the header {",".join(PROFILE_HEADER)}')
    header_line, header = rows[0]
    if tuple(cell.strip() for cell in header) != PROFILE_HEADER:
        raise TerrainFileError(
            f'the profile file "{path}" has the header "{",".join(header)}" on line {header_line}; '
            f'expected "{",".join(PROFILE_HEADER)}"'
        )
    points: list[tuple[float, float]] = []
    for line, row in rows[1:]:
        try:
            if len(row) != 2:
                raise ValueError
            distance, elevation = (float(cell) for cell in row)
            if not (math.isfinite(distance) and math.isfinite(elevation)):
                raise ValueError
        except ValueError:
            raise TerrainFileError(
                f'line {line} of the profile file "{path}" reads "{",".join(row)}"; '
                "expected two finite numbers: distance_m,elevation_msl_m"
            ) from None
        if points and distance <= points[-1][0]:
            raise TerrainFileError(
                f'line {line} of the profile file "{path}" has distance {distance:g} m, not greater than '
                f"the {points[-1][0]:g} m before it; expected distances that increase strictly"
            )
        points.append((distance, elevation))
    if len(points) < 2:
        raise TerrainFileError(f'the profile file "{path}" has {len(points)} point(s); expected at least 2')
    return tuple(points)


def read_elevation_grid(path: Path, metres_per_unit: float = 1.0) -> np.ndarray:
    """Read an elevation grid (``.npz`` or ``.csv``) into a read-only 2-D array [m MSL].

    Parameters
    ----------
    path : Path
        The grid file (see the module docstring for the formats).
    metres_per_unit : float
        Size of the file's elevation unit [m] (1 for metres, 0.3048 for feet).

    Returns
    -------
    numpy.ndarray
        Read-only float64 array, shape (number of north rows, number of east
        columns), elevation above mean sea level [m].
    """
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".csv", ".tif", ".tiff"):
        raise TerrainFileError(
            f'the grid file "{path}" ends in "{path.suffix}"; expected a .npz, .csv or (with stuntsim[geo]) .tif file'
        )
    if suffix in (".tif", ".tiff"):
        grid, _ = read_geotiff(path)
    elif suffix == ".csv":
        lines = _open_text(path)
        rows = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
        try:
            grid = np.array([[float(cell) for cell in line.split(",")] for line in rows], dtype=np.float64)
        except ValueError:
            raise TerrainFileError(
                f'the grid file "{path}" is not a table of numbers with the same count on every line'
            ) from None
    else:
        if not path.is_file():
            raise TerrainFileError(f'the file "{path}" does not exist')
        try:
            with np.load(path, allow_pickle=False) as archive:
                if "elevation_msl" not in archive.files:
                    raise TerrainFileError(
                        f'the grid file "{path}" has no array "elevation_msl" '
                        f"(it holds: {', '.join(archive.files) or 'nothing'})"
                    )
                grid = np.array(archive["elevation_msl"], dtype=np.float64)
        except TerrainFileError:
            raise
        except (OSError, ValueError, zipfile.BadZipFile, TypeError):
            raise TerrainFileError(f'the grid file "{path}" is not a readable numpy .npz archive of numbers') from None
    if grid.ndim != 2 or grid.shape[0] < 2 or grid.shape[1] < 2:
        raise TerrainFileError(f'the grid in "{path}" has shape {grid.shape}; expected a 2-D array of at least 2 x 2')
    if not np.all(np.isfinite(grid)):
        raise TerrainFileError(f'the grid in "{path}" holds NaN or infinite values; expected finite elevations')
    grid = grid * metres_per_unit
    grid.setflags(write=False)
    return grid


def read_geotiff(path: Path) -> tuple[np.ndarray, float]:
    """Read band 1 of a north-up GeoTIFF in a projected metre CRS (needs the optional ``[geo]`` extra).

    Returns
    -------
    grid : numpy.ndarray
        Elevations in the file's units, rows turned to run northward (row 0 = the
        southernmost), columns eastward.
    pixel_size : float
        The square pixel's side [m], which must equal the scenario's ``spacing``.
    """
    try:
        import rasterio
    except ImportError:
        raise TerrainFileError(
            f'reading the GeoTIFF "{path}" needs rasterio: pip install "stuntsim[geo]" (or give a .npz or .csv grid)'
        ) from None
    if not path.is_file():
        raise TerrainFileError(f'the file "{path}" does not exist')
    try:
        with rasterio.open(path) as dataset:
            grid = dataset.read(1, masked=True).astype(np.float64)
            transform, crs = dataset.transform, dataset.crs
    except rasterio.errors.RasterioError as error:
        raise TerrainFileError(f'the GeoTIFF "{path}" could not be read ({error})') from None
    if crs is None or not crs.is_projected or (crs.linear_units or "").lower() not in ("metre", "meter", "m"):
        raise TerrainFileError(f'the GeoTIFF "{path}" is not in a projected CRS with metre units (got {crs}); '
                               "expected e.g. a UTM zone")
    if transform.b != 0 or transform.d != 0 or transform.e >= 0 or abs(transform.a + transform.e) > 1e-9 * transform.a:
        raise TerrainFileError(f'the GeoTIFF "{path}" is not north-up with square pixels ({transform}); expected both')
    if np.ma.is_masked(grid):
        raise TerrainFileError(f'the GeoTIFF "{path}" has no-data cells; expected elevations everywhere')
    return np.flipud(np.asarray(grid)), float(transform.a)
