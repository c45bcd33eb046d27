"""The service layer: every human action, rule and read the console, the APIs and the worker share.

No HTTP here: services take the signed-in account and plain values, and raise services.errors.ServiceError
with an ErrorKind and a message already in the user's language; api/ and web/ only translate to HTTP.
"""
