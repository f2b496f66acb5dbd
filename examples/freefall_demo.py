"""Run the built-in freefall-demo through the Python API and compare with theory.

Loads the scenario, flies it once, and prints the impact time and speed next to
the quadratic-drag terminal speed sqrt(2 m g / (rho C_D A)) at the exit and at the
ground. Writes no files.

Run: ``python examples/freefall_demo.py``
"""

from stuntsim.physics.atmosphere import air_density
from stuntsim.physics.drag import terminal_speed
from stuntsim.scenario import load_scenario
from stuntsim.simulate.flight import simulate

scenario = load_scenario("freefall-demo")
flight = simulate(scenario)
if not flight.completed:
    raise SystemExit("the flight did not reach the ground within the time limit")

performer = scenario.performer
events = flight.events()
start, impact = events[0], events[-1]  # the first phase entry is the exit, the last is ground contact
mass = performer.mass
drag_area = performer.drag_areas[performer.freefall_configuration]

print(f"scenario: {scenario.scenario.title}")
print(f"performer: {mass:.1f} kg, C_D*A = {drag_area:.3f} m^2 ({performer.freefall_configuration})")
print(f"ground contact (phase {impact.phase!r}) after {impact.time:.2f} s at {impact.speed:.1f} m/s")
for label, altitude in [("exit", start.altitude_msl), ("ground", impact.altitude_msl)]:
    rho = float(air_density(altitude))
    v_t = float(terminal_speed(mass, drag_area, rho))
    print(f"terminal speed sqrt(2 m g / (rho C_D A)) at the {label} ({altitude:.0f} m MSL, "
          f"rho = {rho:.3f} kg/m^3): {v_t:.1f} m/s")
