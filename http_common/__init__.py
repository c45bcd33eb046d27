"""What both HTTP adapters (api/ and web/) need from a request: the platform, settings, a database session.

Below api/ and web/, above services/; nothing else lives here.
"""
