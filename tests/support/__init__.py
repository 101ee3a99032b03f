"""Processes and databases the integration tests, the browser journeys and the benchmarks share."""
