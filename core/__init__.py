"""The domain every layer builds on: the workflow's messages and rules (guards, supervision, vocabulary),
settings, database engine, read-model tables, calendar, catalog, routing, evaluation and reports.

Pure modules here (messages, guards, supervision, vocabulary, durations, masking) are also imported inside
workflows; nothing here imports a layer above.
"""
