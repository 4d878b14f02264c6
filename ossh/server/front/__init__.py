"""The HTTP front: connections, keep-alive, request framing, OSS addressing, answers on the wire."""

from .server import OssHTTPServer

__all__ = ["OssHTTPServer"]
