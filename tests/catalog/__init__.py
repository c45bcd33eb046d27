"""Tests of the responsibility catalog, routing, catalog files and dynamic adjustment."""
