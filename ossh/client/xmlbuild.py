"""Request bodies the client sends (bucket configuration, batch delete, multipart completion) as XML bytes."""

from __future__ import annotations

from collections.abc import Iterable

import xmltodict


def _dump(doc: dict) -> bytes:
    return xmltodict.unparse(doc, encoding="utf-8").encode("utf-8")


def create_bucket(storage_class: str | None) -> bytes:
    return _dump({"CreateBucketConfiguration": {"StorageClass": storage_class}}) if storage_class else b""


def xml_text(value: str) -> str:
    """`value` as XML character data, exactly as alibabacloud-oss-v2 writes keys: `& < > "` as entities and every
    C0 control as a decimal character reference (`&#27;`, and `&#13;` so a CR is not read back as LF). XML 1.0
    has no room for most controls even as references, but OSS reads them; U+FFFE/U+FFFF likewise."""
    return value.translate(_XML_TEXT)


_XML_TEXT = {
    **{c: f"&#{c:02d};" for c in range(0x20)},
    0xFFFE: "&#65534;",
    0xFFFF: "&#65535;",
    ord("&"): "&amp;",
    ord("<"): "&lt;",
    ord(">"): "&gt;",
    ord('"'): "&quot;",
}


def delete_objects(keys: Iterable[str | tuple[str, str | None]], quiet: bool) -> bytes:
    """The batch-delete body. Keys go as exact XML text (the answer, asked for with encoding-type=url, lists them
    URL-encoded); hand-built because a serializer would write controls raw and leave whitespace to chance. A
    (key, version id) pair names one version of the key."""
    objects = "".join(_delete_entry(*((k, None) if isinstance(k, str) else k)) for k in keys)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Delete><Quiet>{"true" if quiet else "false"}</Quiet>'
        f"{objects}</Delete>"
    ).encode()


def _delete_entry(key: str, version_id: str | None) -> str:
    version = f"<VersionId>{xml_text(version_id)}</VersionId>" if version_id else ""
    return f"<Object><Key>{xml_text(key)}</Key>{version}</Object>"


def complete_multipart(parts: Iterable[tuple[int, str]]) -> bytes:
    return _dump(
        {"CompleteMultipartUpload": {"Part": [{"PartNumber": str(n), "ETag": f'"{etag}"'} for n, etag in parts]}}
    )


def restore_request(days: int | None, tier: str | None) -> bytes:
    """RestoreObject's body: how many days the copy stays readable, and the cold archive classes' tier."""
    request: dict = {"Days": str(days if days is not None else 1)}
    if tier:
        request["JobParameters"] = {"Tier": tier}
    return _dump({"RestoreRequest": request})


def create_bucket_location(location: str) -> bytes:
    """The 2013 API's PutBucket body naming the region (`oss-cn-hangzhou`)."""
    return _dump({"CreateBucketConfiguration": {"LocationConstraint": location}})
