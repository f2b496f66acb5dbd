"""The built-in scenarios: one TOML file per scenario, every value with its source."""
