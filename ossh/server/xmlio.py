"""XML in and out for the embedded server: OSS-shaped response documents and bounded request parsing."""
from __future__ import annotations

import time
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

import xmltodict

from .errors import OssServerError

MAX_XML = 5 << 20   # 1000 keys of 1023 bytes or 10,000 parts fit well under this


def iso_time(ts: float) -> str:
    """`2015-02-02T05:15:13.000Z`: oss2 insists on the literal `.000Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def quoted_etag(etag: str) -> str:
    """ETags go out quoted, in headers and XML alike."""
    return f'"{etag}"'


def _render(tag: str, value, out: list[str]) -> None:
    if value is None:
        out.append(f"<{tag}/>")
    elif isinstance(value, list):
        out.append(f"<{tag}>")
        for child_tag, child in value:
            _render(child_tag, child, out)
        out.append(f"</{tag}>")
    else:
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append(f"<{tag}>{escape(str(value))}</{tag}>")


def document(tag: str, children: list[tuple[str, object]]) -> bytes:
    """`children` is a list of (tag, value); a value that is a list nests, None renders empty."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _render(tag, children, out)
    return "".join(out).encode("utf-8")


def parse(body: bytes, root: str, force_list: tuple[str, ...] = ()) -> dict:
    """The children of `root` as a dict; anything unparsable or of another shape is MalformedXML."""
    if len(body) > MAX_XML:
        raise OssServerError("MalformedXML", "The XML you provided is too large.")
    try:
        doc = xmltodict.parse(body, force_list=force_list, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise OssServerError("MalformedXML") from exc
    if not isinstance(doc, dict) or root not in doc:
        raise OssServerError("MalformedXML")
    content = doc[root]
    return content if isinstance(content, dict) else {}


def owner(owner_id: str) -> list[tuple[str, str]]:
    return [("ID", owner_id), ("DisplayName", owner_id)]


def acl_policy(owner_id: str, grant: str) -> bytes:
    return document("AccessControlPolicy", [
        ("Owner", owner(owner_id)), ("AccessControlList", [("Grant", grant)])])
