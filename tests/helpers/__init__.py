"""Shared test helpers: tiny models and data (tiny), the loopback judge server (judge_server), sr-train runs (runs),
free ports (ports). Test modules import from here, never from each other."""
