"""The machines' HTTP adapter: the JSON API, Open311 GeoReport v2 and health; every rule is a service's."""
