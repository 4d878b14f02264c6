"""Multipart uploads: initiate, upload part (from data or by server-side copy), complete with a combined
CRC-64 check, abort, and paged listings of parts and uploads."""

from __future__ import annotations

from collections.abc import Iterator

from ..protocol import (
    H_COMPLETE_ALL,
    H_COPY_SOURCE,
    H_COPY_SOURCE_RANGE,
    H_REQUEST_ID,
    H_VERSION_ID,
    MAX_LIST,
    MAX_PARTS,
)
from . import xmlbuild, xmlparse
from .api_bucket import key_order, paged
from .api_object import copy_source, range_header, source_conditions
from .body import Payload, Progress
from .crc import Crc64
from .endpoint import nonempty
from .errors import ClientError, whole_number
from .headers import check_crc, crc_of, etag_of, object_headers, result_etag
from .models import CompleteResult, PartInfo, PartPage, PartResult, UploadInfo, UploadPage
from .session import Operations


def combined_crc(parts: list[PartResult] | None) -> int | None:
    """The CRC-64 of the object the parts make, in part-number order; None unless every CRC and size is known."""
    if not parts or any(p.crc64 is None or p.size is None for p in parts):
        return None
    whole = Crc64()
    for p in sorted(parts, key=lambda p: p.part_number):
        whole.combine(p.crc64, p.size)
    return whole.value


# Answers that name the key ask for it URL-encoded, as alibabacloud-oss-v2 does: XML cannot carry every key.
_URL_NAMES = {"encoding-type": "url"}


class MultipartOps(Operations):
    """Multipart uploads, one request each: the transfers (TransferManager) build on them."""

    def init_multipart_upload(
        self,
        bucket: str,
        key: str,
        content_type: str | None = None,
        metadata: dict | None = None,
        acl: str | None = None,
        storage_class: str | None = None,
        headers: dict | None = None,
    ) -> str:
        hdrs = object_headers(key, content_type, metadata, acl, storage_class, False, headers)
        return xmlparse.upload_id(
            self._session.request("POST", bucket, key, params={"uploads": "", **_URL_NAMES}, headers=hdrs)
        )

    def upload_part(
        self, bucket: str, key: str, upload_id: str, part_number: int, data, progress: Progress | None = None
    ) -> PartResult:
        part_number = whole_number(part_number, "part number")
        if not 1 <= part_number <= MAX_PARTS:
            raise ClientError(f"part number must be 1..{MAX_PARTS}, not {part_number}")
        payload = data if isinstance(data, Payload) else self._session.payload(data, progress)
        try:
            resp = self._session.request(
                "PUT", bucket, key, data=payload, params={"partNumber": str(part_number), "uploadId": upload_id}
            )
        finally:
            payload.close()
        check_crc(
            payload.crc.value,
            crc_of(resp.headers),
            f"upload part {part_number} of {key}",
            resp.headers.get(H_REQUEST_ID),
        )
        return PartResult(int(part_number), etag_of(resp.headers), payload.sent, crc_of(resp.headers))

    def upload_part_copy(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        part_number: int,
        src_bucket: str,
        src_key: str,
        byte_range=None,
        source_if_match: str | None = None,
        source_if_none_match: str | None = None,
        source_if_modified_since=None,
        source_if_unmodified_since=None,
    ) -> PartResult:
        """One part copied on the server from (a range of) another object; the source_if_* conditions (412
        PreconditionFailed when one fails) pin parts copied one by one to the same source version."""
        headers = {
            H_COPY_SOURCE: copy_source(src_bucket, src_key),
            **source_conditions(
                source_if_match, source_if_none_match, source_if_modified_since, source_if_unmodified_since
            ),
        }
        size = None
        if byte_range is not None:
            headers[H_COPY_SOURCE_RANGE] = range_header(byte_range)
            if not isinstance(byte_range, str) and None not in byte_range:
                size = byte_range[1] - byte_range[0] + 1
        resp = self._session.request(
            "PUT", bucket, key, params={"partNumber": str(part_number), "uploadId": upload_id}, headers=headers
        )
        etag = result_etag(xmlparse.parse(resp, "CopyPartResult"), resp.headers)
        return PartResult(int(part_number), etag, size, crc_of(resp.headers))

    def complete_multipart_upload(
        self, bucket: str, key: str, upload_id: str, parts: list[PartResult] | None
    ) -> CompleteResult:
        """parts=None asks the server to use every uploaded part (x-oss-complete-all). When every part's
        CRC and size are known, their combination is checked against the object's; a mismatch raises
        IntegrityError with the object already published (the transfers remove it, see parts.run_upload)."""
        result = self.complete_unverified(bucket, key, upload_id, parts)
        check_crc(combined_crc(parts), result.crc64, f"complete {key}", result.request_id)
        return result

    def complete_unverified(
        self, bucket: str, key: str, upload_id: str, parts: list[PartResult] | None
    ) -> CompleteResult:
        """CompleteMultipartUpload without the CRC-64 check (the transfers make their own, see parts.run_upload)."""
        if parts is None:
            resp = self._session.request(
                "POST", bucket, key, params={"uploadId": upload_id, **_URL_NAMES}, headers={H_COMPLETE_ALL: "yes"}
            )
        else:
            body = xmlbuild.complete_multipart(
                (p.part_number, p.etag) for p in sorted(parts, key=lambda p: p.part_number)
            )
            resp = self._session.request(
                "POST",
                bucket,
                key,
                params={"uploadId": upload_id, **_URL_NAMES},
                headers={"Content-Type": "application/xml"},
                data=body,
            )
        root = xmlparse.parse(resp, "CompleteMultipartUploadResult", empty_ok=True)
        return CompleteResult(
            result_etag(root, resp.headers),
            crc_of(resp.headers),
            xmlparse.text(root, "Location") or None,
            resp.headers.get(H_REQUEST_ID),
            resp.headers.get(H_VERSION_ID),
        )

    def abort_multipart_upload(self, bucket: str, key: str, upload_id: str) -> None:
        self._session.request("DELETE", bucket, key, params={"uploadId": upload_id})

    def list_parts(
        self, bucket: str, key: str, upload_id: str, part_number_marker: int = 0, max_parts: int = MAX_LIST
    ) -> PartPage:
        params = {"uploadId": upload_id, "max-parts": str(max_parts), **_URL_NAMES}
        if part_number_marker:
            params["part-number-marker"] = str(part_number_marker)
        return xmlparse.part_page(self._session.request("GET", bucket, key, params=params))

    def iter_parts(self, bucket: str, key: str, upload_id: str) -> Iterator[PartInfo]:
        for page in paged(
            lambda marker: self.list_parts(bucket, key, upload_id, part_number_marker=marker),
            lambda page: page.next_part_number_marker,
            first=0,
            order=int,
            position=lambda page: max((p.part_number for p in page.parts), default=None),
        ):
            yield from page.parts

    def list_multipart_uploads(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        key_marker: str = "",
        upload_id_marker: str = "",
        max_uploads: int = MAX_LIST,
    ) -> UploadPage:
        params = {
            "uploads": "",
            **_URL_NAMES,
            **nonempty(
                {
                    "prefix": prefix,
                    "delimiter": delimiter,
                    "key-marker": key_marker,
                    "upload-id-marker": upload_id_marker,
                    "max-uploads": max_uploads,
                }
            ),
        }
        return xmlparse.upload_page(self._session.request("GET", bucket, params=params))

    def iter_uploads(self, bucket: str, prefix: str = "") -> Iterator[UploadInfo]:
        def next_markers(page: UploadPage) -> tuple[str, str] | None:
            markers = (page.next_key_marker or "", page.next_upload_id_marker or "")
            return markers if any(markers) else None

        for page in paged(
            lambda markers: self.list_multipart_uploads(
                bucket, prefix=prefix, key_marker=markers[0], upload_id_marker=markers[1]
            ),
            next_markers,
            first=("", ""),
            order=key_order,
        ):
            yield from page.uploads
