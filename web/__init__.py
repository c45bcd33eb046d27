"""The people's HTTP adapter: server-rendered pages (Jinja2) for the role consoles, intake forms, case pages
and the public board, with sessions and CSRF; every rule is a service's."""
