"""Derived data: SDG 16 series from ICCS data, regional aggregates, national classifications to ICCS."""
