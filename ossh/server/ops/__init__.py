"""Operations: one handler per OSS API call, `handler(app, req) -> Response`, grouped by resource.

A new sub-resource gets a module here (versioning.py beside tagging.py), its route in app.py and, when it keeps
state, its tables in store/ (schema in store/db.py, queries in a store module of its own).
"""
