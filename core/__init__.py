"""Shared building blocks: settings, database engine, read-model tables, calendar, catalog, Temporal client.

Pure modules here (durations, workcalendar, clock_plans, masking) are also imported inside workflows.
"""
