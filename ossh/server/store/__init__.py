"""Durable storage: the SQLite index, body files, listings, multipart state and configurations, on local disk."""
