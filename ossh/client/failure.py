"""Short, one-line reasons for connection failures: the cause at the bottom of requests' and urllib3's
exception chains ("connection refused", "timed out"), not their long text with URLs and pool names."""

from __future__ import annotations

import http.client
import os
import socket
import ssl

import requests
import urllib3

_CONNECT_ERRORS = (
    requests.exceptions.ConnectTimeout,
    urllib3.exceptions.NewConnectionError,
    urllib3.exceptions.NameResolutionError,
    urllib3.exceptions.ConnectTimeoutError,
    ConnectionRefusedError,
    socket.gaierror,
)


def causes(exc: BaseException) -> list[BaseException]:
    """exc and everything it wraps (urllib3's `reason`, exception arguments, __cause__/__context__)."""
    found: list[BaseException] = []
    todo: list = [exc]
    while todo:
        e = todo.pop(0)
        if not isinstance(e, BaseException) or any(e is f for f in found):
            continue
        found.append(e)
        todo += [getattr(e, "reason", None), *getattr(e, "args", ()), e.__cause__, e.__context__]
    return found


def why(chain: list[BaseException]) -> str:
    """The most specific reason the chain holds."""
    for e in chain:
        if isinstance(e, (urllib3.exceptions.NameResolutionError, socket.gaierror)):
            return "host name not found"
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"TLS certificate not trusted: {e.verify_message}"
        if isinstance(e, ssl.SSLError):
            return f"TLS failure: {e.reason or type(e).__name__}"
        if isinstance(e, OSError) and e.errno:
            return os.strerror(e.errno).lower()
    for e in chain:  # urllib3's NewConnectionError is a timeout class too: errno reasons go first
        if isinstance(e, (TimeoutError, socket.timeout, urllib3.exceptions.TimeoutError, requests.Timeout)):
            return "timed out"
        if isinstance(e, (http.client.RemoteDisconnected, urllib3.exceptions.ProtocolError)):
            return "the server closed the connection"
    return type(chain[0]).__name__


def describe(exc: BaseException, netloc: str) -> str:
    """One line naming the host and the reason: "cannot connect to 127.0.0.1:9 (connection refused)"."""
    chain = causes(exc)
    if any(isinstance(e, _CONNECT_ERRORS) for e in chain):
        return f"cannot connect to {netloc} ({why(chain)})"
    if any(isinstance(e, requests.exceptions.ReadTimeout) for e in chain):
        return f"no answer from {netloc} (timed out)"
    return f"connection to {netloc} failed ({why(chain)})"
