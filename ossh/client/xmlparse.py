"""Parsing of OSS XML response bodies into the records of ossh.client.models (xmltodict + force_list).

Names the server returns URL-encoded (encoding-type=url) are decoded here, so callers see real keys.
"""

from __future__ import annotations

import functools
import json
import re
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import unquote
from xml.etree import ElementTree
from xml.parsers.expat import ExpatError

import xmltodict

from ..protocol import H_REQUEST_ID
from .errors import InvalidResponse, OssError
from .models import (
    BucketInfo,
    BucketPage,
    BucketSummary,
    ObjectPage,
    ObjectSummary,
    Owner,
    PartInfo,
    PartPage,
    UploadInfo,
    UploadPage,
)

# Elements that repeat; xmltodict would otherwise return a dict for one and a list for many.
_LISTS = ("Contents", "CommonPrefixes", "Part", "Upload", "Deleted", "Bucket", "Object", "Grant")


# Names come back exactly as the server wrote them ("trail-space ", " lead" and "tab\t" are real keys); other
# values are trimmed, and whitespace-only text between elements (a pretty-printed answer's layout) dropped.
_EXACT = frozenset(
    {
        "Key",
        "Prefix",
        "Marker",
        "NextMarker",
        "Delimiter",
        "StartAfter",
        "ContinuationToken",
        "NextContinuationToken",
        "KeyMarker",
        "NextKeyMarker",
        "UploadIdMarker",
        "NextUploadIdMarker",
    }
)
_XML_SPACE = " \t\r\n"
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")  # XML 1.0 has no room


def trim_values(path, key, value):
    """xmltodict postprocessor (with strip_whitespace=False): values trimmed, names in _EXACT left exact."""
    if not isinstance(value, str) or (path and path[-1][0] in _EXACT):
        return key, value
    value = value.strip(_XML_SPACE)
    return (key, value or None) if value or key != "#text" else None


def parse(answer, root: str | None = None, empty_ok: bool = False, lists: tuple[str, ...] = _LISTS) -> dict:
    """The document's root element as a dict (empty elements are None; elements named in `lists` always
    lists). `answer` is a body or a requests.Response; a body that is not XML, empty (unless empty_ok), or
    whose root element is not `root` raises InvalidResponse with the answer's status and request id."""
    name, value = _root(answer, root, empty_ok, lists)
    return value if isinstance(value, dict) else {}


def _root(answer, root: str | None, empty_ok: bool = False, lists: tuple[str, ...] = _LISTS) -> tuple[str, object]:
    resp, body = _parts(answer)
    if not (body or b"").strip() and empty_ok:
        return root or "", {}
    _check_nonempty(resp, body, root)
    try:
        doc = xmltodict.parse(body, force_list=lists, strip_whitespace=False, postprocessor=trim_values)
    except (ExpatError, ValueError) as exc:
        raise _not_xml(resp, exc, root) from None
    name, value = next(iter(doc.items()))
    _check_root(resp, name.rsplit(":", 1)[-1], root)
    return name, value


def element_tree(answer, root: str) -> ElementTree.Element:
    """The answer parsed by ElementTree (for documents whose order of mixed children counts), with parse's
    checks."""
    resp, body = _parts(answer)
    _check_nonempty(resp, body, root)
    if (b"<!ENTITY" if isinstance(body, bytes) else "<!ENTITY") in body:  # as xmltodict: no entities at all
        raise _not_xml(resp, ValueError("entities are disabled"), root)
    try:
        tree = ElementTree.fromstring(body)
    except ElementTree.ParseError as exc:
        raise _not_xml(resp, exc, root) from None
    _check_root(resp, tree.tag.rsplit("}", 1)[-1], root)
    return tree


def json_object(answer, what: str) -> dict:
    """The answer parsed as a JSON object (a bucket policy), or InvalidResponse as parse gives."""
    resp, body = _parts(answer)
    _check_nonempty(resp, body, None, what)
    try:
        doc = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError included
        raise _invalid(resp, f"is not JSON ({str(exc)[:100]}) where {what} was expected") from None
    if not isinstance(doc, dict):
        raise _invalid(resp, f"is a JSON {type(doc).__name__} where {what} was expected")
    return doc


def request_id(answer) -> str | None:
    """The x-oss-request-id of an answer given as a Response (None for a bare body)."""
    resp, _ = _parts(answer)
    return resp.headers.get(H_REQUEST_ID) if resp is not None else None


def _parts(answer) -> tuple[object, bytes | str]:
    """(the Response or None, the body)"""
    resp = answer if hasattr(answer, "status_code") else None
    return resp, resp.content if resp is not None else answer


def _wanted(root: str | None) -> str:
    return f"an XML {root} document" if root else "an XML document"


def _check_nonempty(resp, body, root: str | None, what: str | None = None) -> None:
    if not (body or b"").strip():
        raise _invalid(resp, f"is empty where {what or _wanted(root)} was expected")


def _not_xml(resp, exc: Exception, root: str | None) -> InvalidResponse:
    return _invalid(resp, f"is not XML ({str(exc)[:100]}) where {_wanted(root)} was expected")


def _check_root(resp, name: str, root: str | None) -> None:
    if root and name != root:
        raise _invalid(resp, f"is a <{name[:40]}> document where {_wanted(root)} was expected")


def _invalid(resp, what: str) -> InvalidResponse:
    """ "the server's answer (200, text/html) is not XML ..." with the status and type when known."""
    about = []
    if resp is not None:
        about = [str(resp.status_code), (resp.headers.get("Content-Type") or "").split(";")[0].strip()[:40]]
    shown = f" ({', '.join(a for a in about if a)})" if about else ""
    return InvalidResponse.of(resp, f"the server's answer{shown} {what}")


def document(build):
    """A builder from an answer whose parts may hold anything: an element where text belongs, a date or a
    number that is none. What it cannot read is the answer's InvalidResponse, not a Python error."""

    @functools.wraps(build)
    def checked(answer, *args, **kwargs):
        try:
            return build(answer, *args, **kwargs)
        except OssError:
            raise
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError) as exc:
            resp, _ = _parts(answer)
            why = f"{type(exc).__name__}: {str(exc)[:80]}"
            raise _invalid(
                resp, f"holds what ossh cannot read as {build.__name__.strip('_').replace('_', ' ')} ({why})"
            ) from None

    return checked


def text(node: dict | None, name: str, default: str = "") -> str:
    value = (node or {}).get(name)
    if value is None:
        return default
    if isinstance(value, list):
        value = value[0]
    if isinstance(value, dict):  # an element with attributes: xmltodict keeps the text under "#text"
        value = value.get("#text", default) or default
    return str(value)


def as_int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def as_bool(value: str | None) -> bool:
    return str(value).strip().lower() == "true"


def iso_time(value: str | None) -> datetime | None:
    """`2015-02-02T05:15:13.000Z` (XML timestamps) as an aware UTC datetime."""
    if not value:
        return None
    dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return dt.astimezone(timezone.utc) if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def http_time(value: str | None) -> datetime | None:
    """`Sat, 12 Dec 2015 00:35:53 GMT` (HTTP headers) as an aware UTC datetime."""
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).astimezone(timezone.utc)
    except (TypeError, ValueError):
        return None


def unquote_etag(etag: str | None) -> str | None:
    return etag.strip().strip('"') if etag else etag


def _decoder(node: dict):
    """unquote when the response says its names are URL-encoded, identity otherwise."""
    return unquote if text(node, "EncodingType").lower() == "url" else (lambda s: s)


def _owner(node: dict | None) -> Owner | None:
    if not node:
        return None
    return Owner(id=text(node, "ID") or None, display_name=text(node, "DisplayName") or None)


def _bucket_fields(b: dict) -> dict:
    """The fields ListBuckets' Bucket and GetBucketInfo's Bucket share."""
    return dict(
        name=text(b, "Name"),
        location=text(b, "Location") or None,
        region=text(b, "Region") or None,
        creation_date=iso_time(text(b, "CreationDate")),
        storage_class=text(b, "StorageClass") or None,
        extranet_endpoint=text(b, "ExtranetEndpoint") or None,
        intranet_endpoint=text(b, "IntranetEndpoint") or None,
    )


@document
def bucket_page(body) -> BucketPage:
    root = parse(body, "ListAllMyBucketsResult")
    buckets = [BucketSummary(**_bucket_fields(b)) for b in ((root.get("Buckets") or {}).get("Bucket") or [])]
    return BucketPage(
        buckets=buckets,
        is_truncated=as_bool(text(root, "IsTruncated")),
        next_marker=text(root, "NextMarker"),
        prefix=text(root, "Prefix"),
        marker=text(root, "Marker"),
        owner=_owner(root.get("Owner")),
        request_id=request_id(body),
    )


@document
def acl(body) -> str:
    grants = (parse(body, "AccessControlPolicy").get("AccessControlList") or {}).get("Grant") or []
    return str(grants[0]) if grants else ""


@document
def bucket_info(body) -> BucketInfo:
    b = parse(body, "BucketInfo").get("Bucket") or {}
    b = b[0] if isinstance(b, list) else b
    grants = (b.get("AccessControlList") or {}).get("Grant") or []
    owner = _owner(b.get("Owner"))
    return BucketInfo(**_bucket_fields(b), acl=str(grants[0]) if grants else None, owner_id=owner.id if owner else None)


@document
def location(body) -> str:
    _, value = _root(body, "LocationConstraint")
    return value.get("#text", "") or "" if isinstance(value, dict) else (value or "")


@document
def object_page(body) -> ObjectPage:
    root = parse(body, "ListBucketResult")
    dec = _decoder(root)
    objects = []
    for c in root.get("Contents") or []:
        owner = _owner(c.get("Owner"))
        objects.append(
            ObjectSummary(
                key=dec(text(c, "Key")),
                size=as_int(text(c, "Size"), 0),
                etag=unquote_etag(text(c, "ETag")) or None,
                last_modified=iso_time(text(c, "LastModified")),
                storage_class=text(c, "StorageClass") or None,
                type=text(c, "Type") or None,
                owner_id=owner.id if owner else None,
                restore=text(c, "RestoreInfo") or None,
            )
        )
    return ObjectPage(
        objects=objects,
        prefixes=_prefixes(root, dec),
        is_truncated=as_bool(text(root, "IsTruncated")),
        next_marker=dec(text(root, "NextMarker")),
        next_continuation_token=dec(text(root, "NextContinuationToken")),
        key_count=as_int(text(root, "KeyCount")),
        request_id=request_id(body),
    )


def _prefixes(root: dict, dec) -> list[str]:
    return [dec(text(p, "Prefix")) for p in root.get("CommonPrefixes") or [] if p]


@document
def deleted_keys(body) -> list[str]:
    root = parse(body, "DeleteResult", empty_ok=True)  # a quiet delete may answer with no body
    dec = _decoder(root)
    return [dec(text(d, "Key")) for d in root.get("Deleted") or [] if d]


@document
def upload_id(body) -> str:
    return text(parse(body, "InitiateMultipartUploadResult"), "UploadId")


@document
def part_page(body) -> PartPage:
    root = parse(body, "ListPartsResult")
    parts = [
        PartInfo(
            part_number=as_int(text(p, "PartNumber"), 0),
            etag=unquote_etag(text(p, "ETag")),
            size=as_int(text(p, "Size"), 0),
            last_modified=iso_time(text(p, "LastModified")),
        )
        for p in root.get("Part") or []
    ]
    return PartPage(
        parts=parts,
        is_truncated=as_bool(text(root, "IsTruncated")),
        next_part_number_marker=as_int(text(root, "NextPartNumberMarker"), 0),
        request_id=request_id(body),
    )


@document
def upload_page(body) -> UploadPage:
    root = parse(body, "ListMultipartUploadsResult")
    dec = _decoder(root)
    uploads = [
        UploadInfo(key=dec(text(u, "Key")), upload_id=text(u, "UploadId"), initiated=iso_time(text(u, "Initiated")))
        for u in root.get("Upload") or []
    ]
    return UploadPage(
        uploads=uploads,
        prefixes=_prefixes(root, dec),
        is_truncated=as_bool(text(root, "IsTruncated")),
        next_key_marker=dec(text(root, "NextKeyMarker")),
        next_upload_id_marker=text(root, "NextUploadIdMarker"),
        request_id=request_id(body),
    )
