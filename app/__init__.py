"""The composition root: the one place that builds the web process from api/, web/ and services/."""
