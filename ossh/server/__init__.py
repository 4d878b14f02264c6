"""The embedded OSS-compatible server: durable local storage behind OSS's HTTP protocol."""

from .local import LocalServer

__all__ = ["LocalServer"]
