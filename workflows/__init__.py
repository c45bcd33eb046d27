"""Deterministic workflow code only: no I/O, no clocks but workflow.now(), no randomness.

`grievance.py` is the whole loop for one grievance; `messages.py` holds every input and state type.
"""
