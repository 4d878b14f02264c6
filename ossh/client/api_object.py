"""Object operations: put, get (streaming, ranges, conditions), head/meta, delete (one and batches of 1,000),
copy, append and ACLs, each checking the server's CRC-64 where it sends one."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, unquote

from ..protocol import (
    COPY_SOURCE_IF_PREFIX,
    H_COPY_SOURCE,
    H_COPY_SOURCE_VERSION_ID,
    H_METADATA_DIRECTIVE,
    H_NEXT_APPEND_POSITION,
    H_OBJECT_ACL,
    H_REQUEST_ID,
    H_SYMLINK_TARGET,
    H_VERSION_ID,
    MAX_DELETE_BATCH,
)
from . import xmlbuild, xmlparse
from .api_versions import delete_request, delete_result, version_params
from .body import Progress
from .crc import crc64_combine
from .errors import ClientError, NoSuchKey
from .headers import check_crc, crc_of, etag_of, http_date_header, meta_from_headers, object_headers, result_etag
from .models import AppendResult, CopyResult, DeleteResult, ObjectMeta, PutResult
from .reader import ObjectReader
from .session import Operations

SYMLINK_TARGET = H_SYMLINK_TARGET


def copy_source(bucket: str, key: str, version_id: str | None = None) -> str:
    source = f"/{bucket}/{quote(key, safe='')}"
    return source + f"?versionId={quote(version_id, safe='')}" if version_id else source


def range_header(byte_range) -> str:
    """(start, end) inclusive, with None for an open end / a suffix; or a ready `bytes=a-b` string."""
    if isinstance(byte_range, str):
        return byte_range if byte_range.startswith("bytes=") else f"bytes={byte_range}"
    try:
        start, end = byte_range
    except (TypeError, ValueError):
        raise ClientError(f"a range is (start, end) or 'bytes=a-b', not {byte_range!r}") from None
    if start is None and end is None:
        raise ClientError("a range needs a start or an end")
    return f"bytes={'' if start is None else start}-{'' if end is None else end}"


def conditions(
    prefix: str,
    if_match: str | None = None,
    if_none_match: str | None = None,
    if_modified_since=None,
    if_unmodified_since=None,
) -> dict[str, str]:
    """Precondition headers: `If-` for a GET, `x-oss-copy-source-if-` for a copy's source. ETags are
    quoted as OSS sends them; times (datetime, epoch or HTTP date) become HTTP dates."""
    hdrs = {}
    for name, value in (("Match", if_match), ("None-Match", if_none_match)):
        if value:
            hdrs[prefix + name] = value if value.startswith('"') or value == "*" else f'"{value}"'
    for name, value in (("Modified-Since", if_modified_since), ("Unmodified-Since", if_unmodified_since)):
        if value is not None:
            hdrs[prefix + name] = http_date_header(value)
    return hdrs


def source_conditions(
    if_match: str | None, if_none_match: str | None, if_modified_since, if_unmodified_since
) -> dict[str, str]:
    """The x-oss-copy-source-if-* headers that pin a copy (or a part copy) to one version of its source."""
    found = conditions(COPY_SOURCE_IF_PREFIX, if_match, if_none_match, if_modified_since, if_unmodified_since)
    return {k.lower(): v for k, v in found.items()}


class ObjectOps(Operations):
    """Objects, one request each (deletes of many keys in batches): the transfers build on them."""

    def put_object(
        self,
        bucket: str,
        key: str,
        data,
        content_type: str | None = None,
        metadata: dict | None = None,
        acl: str | None = None,
        storage_class: str | None = None,
        forbid_overwrite: bool = False,
        headers: dict | None = None,
        progress: Progress | None = None,
    ) -> PutResult:
        hdrs = object_headers(key, content_type, metadata, acl, storage_class, forbid_overwrite, headers)
        payload = self._session.payload(data, progress)
        try:
            resp = self._session.request("PUT", bucket, key, headers=hdrs, data=payload)
        finally:
            payload.close()
        rid = resp.headers.get(H_REQUEST_ID)
        check_crc(payload.crc.value, crc_of(resp.headers), f"put {key}", rid)
        return PutResult(etag_of(resp.headers), crc_of(resp.headers), rid, resp.headers.get(H_VERSION_ID))

    def get_object(
        self,
        bucket: str,
        key: str,
        byte_range=None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since=None,
        if_unmodified_since=None,
        headers: dict | None = None,
        progress: Progress | None = None,
        version_id: str | None = None,
    ) -> ObjectReader:
        # identity: the body is read raw and checked against the object's CRC-64, so it must not come back
        # compressed (OSS gzips web text types for clients that accept it)
        hdrs = {"Accept-Encoding": "identity", **(headers or {})}
        if byte_range is not None:
            hdrs["Range"] = range_header(byte_range)
        hdrs.update(conditions("If-", if_match, if_none_match, if_modified_since, if_unmodified_since))
        resp = self._session.request("GET", bucket, key, params=version_params(version_id), headers=hdrs, stream=True)
        meta = meta_from_headers(key, resp.headers)
        return ObjectReader(
            resp, meta, self._session.download_chunk_size, verify=resp.status_code == 200, progress=progress
        )

    def head_object(
        self, bucket: str, key: str, headers: dict | None = None, version_id: str | None = None
    ) -> ObjectMeta:
        resp = self._session.request("HEAD", bucket, key, params=version_params(version_id), headers=headers)
        return meta_from_headers(key, resp.headers)

    def get_object_meta(self, bucket: str, key: str, version_id: str | None = None) -> ObjectMeta:
        resp = self._session.request("HEAD", bucket, key, params=version_params(version_id, {"objectMeta": ""}))
        return meta_from_headers(key, resp.headers)

    def object_exists(self, bucket: str, key: str) -> bool:
        """False only for a missing key; a missing bucket or a denial still raises."""
        try:
            self.get_object_meta(bucket, key)
            return True
        except NoSuchKey:
            return False

    def delete_object(self, bucket: str, key: str, version_id: str | None = None) -> DeleteResult:
        """Delete the object (in a versioned bucket: add a delete marker), or with version_id that version for
        good; says which version went or which marker was made."""
        resp = self._session.request("DELETE", bucket, key, params=version_params(version_id))
        return delete_result(key, resp.headers)

    def delete_objects(self, bucket: str, keys: Iterable[str], quiet: bool = False) -> list[str]:
        """Deletes in batches of 1,000; returns the keys reported deleted (quiet: only failures, so [])."""
        deleted: list[str] = []
        batch: list[str] = []
        if isinstance(keys, str) or not hasattr(keys, "__iter__"):
            raise ClientError(f"delete_objects takes an iterable of keys, not {type(keys).__name__}")
        for key in keys:
            batch.append(key)
            if len(batch) == MAX_DELETE_BATCH:
                deleted += self._delete_batch(bucket, batch, quiet)
                batch = []
        if batch:
            deleted += self._delete_batch(bucket, batch, quiet)
        return deleted

    def _delete_batch(self, bucket: str, keys: list[str], quiet: bool) -> list[str]:
        return xmlparse.deleted_keys(delete_request(self._session, bucket, keys, quiet))

    def copy_object(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        metadata: dict | None = None,
        content_type: str | None = None,
        acl: str | None = None,
        forbid_overwrite: bool = False,
        headers: dict | None = None,
        source_if_match: str | None = None,
        source_if_none_match: str | None = None,
        source_if_modified_since=None,
        source_if_unmodified_since=None,
        storage_class: str | None = None,
        source_version_id: str | None = None,
    ) -> CopyResult:
        """Server-side copy; giving metadata or content_type replaces the source's (REPLACE directive). The
        source_if_* conditions are checked on the source (412 PreconditionFailed when one does not hold)."""
        replace = metadata is not None or content_type is not None
        hdrs = object_headers(
            dst_key, content_type, metadata, acl, storage_class, forbid_overwrite, headers, guess=replace
        )
        hdrs.update(
            source_conditions(
                source_if_match, source_if_none_match, source_if_modified_since, source_if_unmodified_since
            )
        )
        hdrs[H_COPY_SOURCE] = copy_source(src_bucket, src_key, version_params(source_version_id).get("versionId"))
        hdrs[H_METADATA_DIRECTIVE] = "REPLACE" if replace else "COPY"
        return copy_result(self._session.request("PUT", dst_bucket, dst_key, headers=hdrs))

    def append_object(
        self,
        bucket: str,
        key: str,
        position: int,
        data,
        init_crc: int | None = None,
        content_type: str | None = None,
        headers: dict | None = None,
        progress: Progress | None = None,
    ) -> AppendResult:
        """Appends at `position` (0 creates an Appendable object). The server's CRC covers the whole object,
        so it is checked when the CRC of the first `position` bytes is known (init_crc, or position 0)."""
        hdrs = object_headers(key, content_type, None, None, None, False, headers, guess=position == 0)
        payload = self._session.payload(data, progress)
        try:
            resp = self._session.request(
                "POST", bucket, key, params={"append": "", "position": str(position)}, headers=hdrs, data=payload
            )
        finally:
            payload.close()
        remote = crc_of(resp.headers)
        prior = 0 if position == 0 else init_crc
        if prior is not None:
            check_crc(
                crc64_combine(prior, payload.crc.value, payload.sent),
                remote,
                f"append {key}",
                resp.headers.get(H_REQUEST_ID),
            )
        next_position = xmlparse.as_int(resp.headers.get(H_NEXT_APPEND_POSITION), position + payload.sent)
        return AppendResult(next_position, remote, etag_of(resp.headers))

    def get_object_acl(self, bucket: str, key: str, version_id: str | None = None) -> str:
        params = version_params(version_id, {"acl": ""})
        return xmlparse.acl(self._session.request("GET", bucket, key, params=params))

    def put_object_acl(self, bucket: str, key: str, acl: str, version_id: str | None = None) -> None:
        self._session.request(
            "PUT", bucket, key, params=version_params(version_id, {"acl": ""}), headers={H_OBJECT_ACL: acl}
        )

    def put_symlink(
        self, bucket: str, key: str, target: str, forbid_overwrite: bool = False, headers: dict | None = None
    ) -> str | None:
        """Make `key` a symlink to `target` (a key of the same bucket); returns the link's ETag."""
        hdrs = object_headers(None, None, None, None, None, forbid_overwrite, headers)
        hdrs[SYMLINK_TARGET] = quote(target, safe="")
        return etag_of(self._session.request("PUT", bucket, key, params={"symlink": ""}, headers=hdrs).headers)

    def get_symlink(self, bucket: str, key: str, version_id: str | None = None) -> str:
        """The key a symlink points to (NotSymlink when `key` is not one)."""
        resp = self._session.request("GET", bucket, key, params=version_params(version_id, {"symlink": ""}))
        return unquote(resp.headers.get(SYMLINK_TARGET, ""))

    def restore_object(
        self, bucket: str, key: str, days: int | None = None, tier: str | None = None, version_id: str | None = None
    ) -> int:
        """Ask for a readable copy of a cold (Archive, ColdArchive, DeepColdArchive) object for `days`;
        `tier` (Expedited, Standard, Bulk) applies to the cold archive classes. Returns the status: 202 when
        a restore starts, 200 when the object was already restored (its expiry moves)."""
        body = xmlbuild.restore_request(days, tier) if days is not None or tier else None
        return self._session.request(
            "POST", bucket, key, params=version_params(version_id, {"restore": ""}), data=body
        ).status_code


@xmlparse.document
def copy_result(resp) -> CopyResult:
    """A CopyObject answer."""
    root = xmlparse.parse(resp, "CopyObjectResult")
    return CopyResult(
        result_etag(root, resp.headers),
        crc_of(resp.headers),
        xmlparse.iso_time(xmlparse.text(root, "LastModified")),
        resp.headers.get(H_VERSION_ID),
        resp.headers.get(H_COPY_SOURCE_VERSION_ID),
    )
