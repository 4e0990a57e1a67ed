"""风险预警 — indicators as data, runs, alerts and their review."""
