"""Open311 GeoReport v2: the router, its error type and the handlers the composition root installs."""

from api.open311.formats import Open311Error, open311_error_handler, service_error
from api.open311.routes import router

__all__ = ["Open311Error", "open311_error_handler", "router", "service_error"]
