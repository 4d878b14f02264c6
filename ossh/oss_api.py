"""The 2013 OSS Python SDK's `OssAPI` (0.3.2) on ossh's client core: the same method names and parameters,
each returning an httplib-like response (.status, .getheader, .getheaders, .read) that is never raised."""

from __future__ import annotations

import io
import os

from ossh.client import OssClient
from ossh.client.api_object import copy_source
from ossh.client.endpoint import nonempty
from ossh.client.xmlbuild import create_bucket_location
from ossh.protocol import H_ACL, H_COPY_SOURCE

# What `from oss_api import *` gives a 2013 program, `os` included: the SDK's examples use os.path
# without importing it.
__all__ = ["OssAPI", "DefaultContentType", "Response", "Status", "os"]

DefaultContentType = "application/octet-stream"


class Status(int):
    """An HTTP status that divides like a Python 2 int: 2013 programs test `res.status / 100 == 2`."""

    def __truediv__(self, other):
        return int(self) // other


class Response:
    """What httplib.HTTPResponse offered the 2013 SDK's callers; the body is streamed on read()."""

    def __init__(self, resp, streamed: bool):
        self._resp = resp
        self._buffer = None if streamed else io.BytesIO(resp.content or b"")
        self.status = Status(resp.status_code)
        self.reason = resp.reason
        self.msg = resp.headers

    def getheader(self, name: str, default=None):
        return self._resp.headers.get(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return [(k.lower(), v) for k, v in self._resp.headers.items()]

    def read(self, amt: int | None = None) -> bytes:
        if self._buffer is not None:
            return self._buffer.read(amt)
        return self._resp.raw.read(amt, decode_content=False) or b""

    def close(self) -> None:
        self._resp.close()


class OssAPI:
    """OssAPI(host, access_id, secret_access_key): `host` may carry a port ("127.0.0.1:8080")."""

    def __init__(
        self,
        host: str,
        access_id: str,
        secret_access_key: str = "",
        port: int = 80,
        is_security: bool = False,
        sts_token: str | None = None,
    ):
        scheme = "https" if is_security else "http"
        if "://" in host:
            endpoint = host
        elif ":" in host or port in (80, 443, None):
            endpoint = f"{scheme}://{host}"
        else:
            endpoint = f"{scheme}://{host}:{port}"
        self.host = host
        self.client = OssClient(
            endpoint, access_id or None, secret_access_key or None, security_token=sts_token, signature_version="v1"
        )

    # The 0.3.2 SDK's buffer-size knobs; here they set the client's chunk sizes.
    def set_send_buf_size(self, buf_size: int) -> None:
        self.client.set_upload_chunk_size(buf_size)

    def set_recv_buf_size(self, buf_size: int) -> None:
        self.client.set_download_chunk_size(buf_size)

    set_upload_chunk_size = set_send_buf_size
    set_download_chunk_size = set_recv_buf_size

    def _do(
        self,
        method: str,
        bucket: str | None = None,
        obj: str | None = None,
        headers=None,
        params=None,
        body=None,
        stream: bool = False,
    ) -> Response:
        resp = self.client.request(
            method,
            bucket or None,
            obj or None,
            params=params,
            headers=headers,
            data=body,
            stream=stream,
            raise_errors=False,
        )
        return Response(resp, streamed=stream and resp.status_code < 300)

    # ---------------------------------------------------------------- service and buckets

    def get_service(self, headers=None, prefix: str = "", marker: str = "", maxKeys: str = "") -> Response:
        # here, as in the 2013 SDK, a count of 0 means "not given" too
        params = nonempty({"prefix": prefix, "marker": marker, "max-keys": maxKeys or None})
        return self._do("GET", headers=headers, params=params)

    list_all_my_buckets = get_service

    def put_bucket(self, bucket: str, acl: str = "", headers=None) -> Response:
        return self.put_bucket_with_location(bucket, acl, headers=headers)

    create_bucket = put_bucket

    def put_bucket_with_location(self, bucket: str, acl: str = "", location: str = "", headers=None) -> Response:
        headers = dict(headers or {})
        if acl:
            headers[H_ACL] = acl
        body = create_bucket_location(location) if location else None
        return self._do("PUT", bucket, headers=headers, body=body)

    def delete_bucket(self, bucket: str, headers=None) -> Response:
        return self._do("DELETE", bucket, headers=headers)

    def get_bucket_acl(self, bucket: str) -> Response:
        return self._do("GET", bucket, params={"acl": ""})

    def get_bucket_location(self, bucket: str) -> Response:
        return self._do("GET", bucket, params={"location": ""})

    def get_bucket(
        self,
        bucket: str,
        prefix: str = "",
        marker: str = "",
        delimiter: str = "",
        maxkeys: str = "",
        headers=None,
        encoding_type: str = "",
    ) -> Response:
        params = nonempty(
            {
                "prefix": prefix,
                "marker": marker,
                "delimiter": delimiter,
                "max-keys": maxkeys or None,
                "encoding-type": encoding_type,
            }
        )
        return self._do("GET", bucket, headers=headers, params=params)

    list_bucket = get_bucket

    # ---------------------------------------------------------------- objects

    def put_object_from_string(
        self, bucket: str, object: str, input_content, content_type=DefaultContentType, headers=None, params=None
    ) -> Response:
        return self.put_object_from_fp(bucket, object, input_content, content_type, headers, params)

    def put_object_from_file(
        self, bucket: str, object: str, filename: str, content_type: str = "", headers=None, params=None
    ) -> Response:
        with open(filename, "rb") as fp:
            return self.put_object_from_fp(bucket, object, fp, content_type, headers, params)

    def put_object_from_fp(
        self, bucket: str, object: str, fp, content_type=DefaultContentType, headers=None, params=None
    ) -> Response:
        headers = dict(headers or {})
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = content_type or DefaultContentType
        return self._do("PUT", bucket, object, headers=headers, params=params, body=fp)

    def get_object(self, bucket: str, object: str, headers=None, params=None) -> Response:
        return self._do("GET", bucket, object, headers=headers, params=params, stream=True)

    def get_object_to_file(self, bucket: str, object: str, filename: str, headers=None) -> Response:
        res = self.get_object(bucket, object, headers=headers)
        if res.status // 100 == 2:
            with open(filename, "wb") as out:
                for chunk in iter(lambda: res.read(self.client.download_chunk_size), b""):
                    out.write(chunk)
        return res

    def head_object(self, bucket: str, object: str, headers=None) -> Response:
        return self._do("HEAD", bucket, object, headers=headers)

    def delete_object(self, bucket: str, object: str, headers=None) -> Response:
        return self._do("DELETE", bucket, object, headers=headers)

    def copy_object(
        self, source_bucket: str, source_object: str, target_bucket: str, target_object: str, headers=None
    ) -> Response:
        headers = dict(headers or {})
        headers[H_COPY_SOURCE] = copy_source(source_bucket, source_object)
        return self._do("PUT", target_bucket, target_object, headers=headers)

    def get_object_acl(self, bucket: str, object: str) -> Response:
        return self._do("GET", bucket, object, params={"acl": ""})

    # ---------------------------------------------------------------- multipart

    def init_multi_upload(self, bucket: str, object: str, headers=None, params=None) -> Response:
        return self._do("POST", bucket, object, headers=headers, params={**(params or {}), "uploads": ""})

    def upload_part(
        self, bucket: str, object: str, filename: str, upload_id: str, part_number, headers=None, params=None
    ) -> Response:
        with open(filename, "rb") as fp:
            return self.upload_part_from_string(bucket, object, fp, upload_id, part_number, headers, params)

    def upload_part_from_string(
        self, bucket: str, object: str, data, upload_id: str, part_number, headers=None, params=None
    ) -> Response:
        params = {**(params or {}), "partNumber": str(part_number), "uploadId": upload_id}
        return self._do("PUT", bucket, object, headers=headers, params=params, body=data)

    def complete_upload(
        self, bucket: str, object: str, upload_id: str, part_msg_xml, headers=None, params=None
    ) -> Response:
        headers = {"Content-Type": "application/xml", **(headers or {})}
        return self._do(
            "POST", bucket, object, headers=headers, params={**(params or {}), "uploadId": upload_id}, body=part_msg_xml
        )

    def cancel_upload(self, bucket: str, object: str, upload_id: str, headers=None, params=None) -> Response:
        return self._do("DELETE", bucket, object, headers=headers, params={**(params or {}), "uploadId": upload_id})

    def get_all_parts(
        self, bucket: str, object: str, upload_id: str, max_parts=None, part_number_marker=None, headers=None
    ) -> Response:
        params = {
            "uploadId": upload_id,
            **nonempty({"max-parts": max_parts or None, "part-number-marker": part_number_marker or None}),
        }
        return self._do("GET", bucket, object, headers=headers, params=params)

    list_parts = get_all_parts

    def get_all_multipart_uploads(
        self,
        bucket: str,
        delimiter=None,
        max_uploads=None,
        key_marker=None,
        prefix=None,
        upload_id_marker=None,
        headers=None,
    ) -> Response:
        params = {
            "uploads": "",
            **nonempty(
                {
                    "delimiter": delimiter,
                    "max-uploads": max_uploads or None,
                    "key-marker": key_marker,
                    "prefix": prefix,
                    "upload-id-marker": upload_id_marker,
                }
            ),
        }
        return self._do("GET", bucket, headers=headers, params=params)

    list_multipart_uploads = get_all_multipart_uploads
