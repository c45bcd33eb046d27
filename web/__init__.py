"""Server-rendered pages (Jinja2): the role consoles, intake forms, case pages and the public board."""
