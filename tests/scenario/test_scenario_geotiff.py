"""GeoTIFF terrain grids (the optional [geo] extra): read north-up, pixel size checked, CRS checked."""

from __future__ import annotations

from importlib.resources import files

import numpy as np
import pytest

from stuntsim.scenario import ScenarioError, load_scenario
from stuntsim.simulate.build import terrain_from_scenario

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import from_origin  # noqa: E402

BASE = (files("stuntsim.scenario.library") / "freefall-demo.toml").read_text()
FLAT = 'kind = "flat"\nelevation_msl = "0 m"'


def write_tif(path, grid, crs="EPSG:32632", pixel=10.0):
    """A north-up GeoTIFF whose first row is the northernmost."""
    with rasterio.open(path, "w", driver="GTiff", height=grid.shape[0], width=grid.shape[1], count=1,
                       dtype="float64", crs=crs, transform=from_origin(400000.0, 6880000.0, pixel, pixel)) as dst:
        dst.write(grid, 1)


def scenario_with_grid(tmp_path, spacing="10 m"):
    assert FLAT in BASE
    text = BASE.replace(FLAT, f'kind = "grid"\nfile = "dem.tif"\nspacing = "{spacing}"')
    path = tmp_path / "grid.toml"
    path.write_text(text)
    return path


def test_geotiff_grid_reads_north_up_rows_as_northward_heights(tmp_path):
    """The file's top row (north) becomes the grid's last row: heights at known nodes come back exactly."""
    north_up = np.array([[30.0, 31.0, 32.0], [20.0, 21.0, 22.0], [10.0, 11.0, 12.0]])
    write_tif(tmp_path / "dem.tif", north_up)
    terrain = terrain_from_scenario(load_scenario(scenario_with_grid(tmp_path)))
    assert terrain.height(0.0, 0.0) == 10.0  # node [0, 0]: south-west
    assert terrain.height(20.0, 0.0) == 12.0  # south-east
    assert terrain.height(0.0, 20.0) == 30.0  # north-west
    assert terrain.height(10.0, 10.0) == 21.0


def test_geotiff_spacing_that_differs_from_pixel_size_is_refused(tmp_path):
    """A scenario spacing unlike the file's pixel size is an error naming terrain.spacing and both sizes."""
    write_tif(tmp_path / "dem.tif", np.ones((3, 3)))
    with pytest.raises(ScenarioError) as error:
        load_scenario(scenario_with_grid(tmp_path, spacing="30 m"))
    assert "terrain.spacing" in str(error.value) and "10 m" in str(error.value)


def test_geotiff_in_geographic_degrees_is_refused(tmp_path):
    """A GeoTIFF in latitude/longitude degrees is refused: the grid needs metres."""
    write_tif(tmp_path / "dem.tif", np.ones((3, 3)), crs="EPSG:4326", pixel=0.001)
    with pytest.raises(ScenarioError) as error:
        load_scenario(scenario_with_grid(tmp_path))
    assert "projected CRS with metre units" in str(error.value)
