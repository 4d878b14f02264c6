"""Versioning: a bucket's versioning state, the listing of object versions and delete markers (one page, or
an iterator over all of them), and deletes of given versions in batches of 1,000."""

from __future__ import annotations

import base64
import hashlib
import itertools
from collections.abc import Iterable, Iterator
from urllib.parse import unquote
from xml.etree import ElementTree

from ossh.protocol import MAX_DELETE_BATCH, VERSIONING_STATES

from . import xmlbuild, xmlparse
from .api_bucket import key_order, paged
from .endpoint import nonempty
from .errors import ClientError, ServiceError
from .models import DeleteResult, ObjectVersion, VersionPage
from .session import Operations


def versioning_status(status: str) -> str:
    """Enabled or Suspended, in any case; anything else is a ClientError (a bucket never goes back to
    unversioned)."""
    for state in VERSIONING_STATES:
        if str(status).lower() == state.lower():
            return state
    raise ClientError(f"versioning is {' or '.join(VERSIONING_STATES)}, not {status!r}")


def version_params(version_id: str | None, params: dict | None = None) -> dict:
    """Request parameters naming one version of an object (none: its current version)."""
    params = dict(params or {})
    if version_id is not None:
        if not version_id:
            raise ClientError("a version id is not empty")
        params["versionId"] = version_id
    return params


def _child(node: ElementTree.Element, name: str) -> str:
    found = node.find(name)
    return (found.text or "") if found is not None else ""


@xmlparse.document
def version_page(answer) -> VersionPage:
    """A ListObjectVersions answer (a body or the Response); versions and delete markers in the order the
    server listed them."""
    root = xmlparse.element_tree(answer, "ListVersionsResult")
    encoded = _child(root, "EncodingType").lower() == "url"

    def dec(value: str) -> str:
        return unquote(value) if encoded else value

    entries, prefixes = [], []
    for node in root:
        if node.tag == "CommonPrefixes":
            prefixes.append(dec(_child(node, "Prefix")))
        elif node.tag in ("Version", "DeleteMarker"):
            marker = node.tag == "DeleteMarker"
            entries.append(
                ObjectVersion(
                    key=dec(_child(node, "Key")),
                    version_id=_child(node, "VersionId"),
                    is_latest=xmlparse.as_bool(_child(node, "IsLatest")),
                    delete_marker=marker,
                    size=xmlparse.as_int(_child(node, "Size"), 0),
                    etag=xmlparse.unquote_etag(_child(node, "ETag")) or None,
                    last_modified=xmlparse.iso_time(_child(node, "LastModified")),
                    storage_class=_child(node, "StorageClass") or None,
                    type=_child(node, "Type") or None,
                    owner_id=_child(node, "Owner/ID") or None,
                    restore=_child(node, "RestoreInfo") or None,
                )
            )
    return VersionPage(
        versions=entries,
        prefixes=prefixes,
        is_truncated=xmlparse.as_bool(_child(root, "IsTruncated")),
        next_key_marker=dec(_child(root, "NextKeyMarker")),
        next_version_id_marker=_child(root, "NextVersionIdMarker"),
        request_id=xmlparse.request_id(answer),
    )


def delete_request(session, bucket: str, entries: list, quiet: bool):
    """One DeleteMultipleObjects request for up to 1,000 keys or (key, version id) pairs; its answer asks for
    URL-encoded keys. A failure about one key names it (the answer's Key, or the only one)."""
    body = xmlbuild.delete_objects(entries, quiet)
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(), "Content-Type": "application/xml"}
    try:
        return session.request(
            "POST", bucket, params={"delete": "", "encoding-type": "url"}, headers=headers, data=body
        )
    except ServiceError as err:
        keys = [e if isinstance(e, str) else e[0] for e in entries]
        named = err.details.get("Key")
        err.key = keys[0] if len(keys) == 1 else named if named in keys else err.key
        raise


@xmlparse.document
def deleted_versions(answer) -> list[DeleteResult]:
    root = xmlparse.parse(answer, "DeleteResult", empty_ok=True)  # a quiet delete may answer with no body
    dec = xmlparse._decoder(root)
    return [
        DeleteResult(
            key=dec(xmlparse.text(d, "Key")),
            version_id=xmlparse.text(d, "VersionId") or None,
            delete_marker=xmlparse.as_bool(xmlparse.text(d, "DeleteMarker")),
            delete_marker_version_id=xmlparse.text(d, "DeleteMarkerVersionId") or None,
        )
        for d in root.get("Deleted") or []
        if d
    ]


def delete_result(key: str, headers) -> DeleteResult:
    """What a DeleteObject answer says: the version it removed or the delete marker it made."""
    marker = (headers.get("x-oss-delete-marker") or "").lower() == "true"
    version = headers.get("x-oss-version-id")
    return DeleteResult(
        key=key, version_id=version, delete_marker=marker, delete_marker_version_id=version if marker else None
    )


class VersionOps(Operations):
    """Versioning: a bucket's state, listings of versions and delete markers, deletes by version."""

    def put_bucket_versioning(self, bucket: str, status: str) -> None:
        body = (
            f"<VersioningConfiguration><Status>{versioning_status(status)}</Status></VersioningConfiguration>"
        ).encode()
        self._session.request("PUT", bucket, params={"versioning": ""}, data=body)

    def get_bucket_versioning(self, bucket: str) -> str | None:
        """Enabled, Suspended, or None for a bucket that never had versioning."""
        answer = self._session.request("GET", bucket, params={"versioning": ""})
        root = xmlparse.parse(answer, "VersioningConfiguration")
        return xmlparse.text(root, "Status") or None

    def list_object_versions(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        version_id_marker: str = "",
        max_keys: int = 100,
    ) -> VersionPage:
        params = {
            "versions": "",
            **nonempty(
                {
                    "prefix": prefix,
                    "delimiter": delimiter,
                    "key-marker": key_marker,
                    "version-id-marker": version_id_marker,
                    "max-keys": max_keys,
                }
            ),
            "encoding-type": "url",
        }
        return version_page(self._session.request("GET", bucket, params=params))

    def iter_object_versions(
        self, bucket: str, prefix: str = "", delimiter: str = "", page_size: int = 1000
    ) -> Iterator[ObjectVersion | str]:
        """Every version and delete marker (and, as str, common prefixes) in listing order: keys in order,
        each key's versions newest first. Deleting what it yields while it runs can skip versions (the next
        page starts after a version that is gone): list first, or list again from the start."""
        for page in paged(
            lambda markers: self.list_object_versions(bucket, prefix, delimiter, *markers, page_size),
            lambda page: (page.next_key_marker, page.next_version_id_marker) if page.next_key_marker else None,
            first=("", ""),
            order=key_order,
        ):
            # a page's prefixes in key order among its versions (a stable sort: each key's newest first still)
            yield from sorted(
                [*page.versions, *page.prefixes], key=lambda e: (e if isinstance(e, str) else e.key).encode("utf-8")
            )

    def delete_object_versions(
        self, bucket: str, entries: Iterable[tuple[str, str | None]], quiet: bool = False
    ) -> list[DeleteResult]:
        """Delete (key, version id) pairs, 1,000 a request; a None version id deletes the current version (in a
        versioned bucket: adds a delete marker). Returns what the server reports (quiet: nothing)."""
        results: list[DeleteResult] = []
        pending = iter(entries)
        while batch := list(itertools.islice(pending, MAX_DELETE_BATCH)):
            results += deleted_versions(delete_request(self._session, bucket, batch, quiet))
        return results
