"""HTTP: the FastAPI app (JSON API, Open311, health) and the intake service every channel uses."""
