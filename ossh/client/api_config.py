"""Bucket configurations and tagging: the configuration documents (CORS, lifecycle, policy, website, referer,
encryption, logging, request payment, public access block) read and written whole, object and bucket tags,
bucket statistics and DescribeRegions."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from urllib.parse import quote

from . import xmlbuild, xmlparse
from .api_versions import version_params
from .errors import ClientError
from .session import Operations

# sub-resource -> the root element of its XML document (policy is JSON)
CONFIGS = {
    "cors": "CORSConfiguration",
    "lifecycle": "LifecycleConfiguration",
    "policy": None,
    "website": "WebsiteConfiguration",
    "referer": "RefererConfiguration",
    "encryption": "ServerSideEncryptionRule",
    "logging": "BucketLoggingStatus",
    "requestPayment": "RequestPaymentConfiguration",
    "publicAccessBlock": "PublicAccessBlockConfiguration",
}
# What "remove" means for configurations OSS has no DELETE for: writing the default back.
RESET = {
    "referer": b"<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer><RefererList/>"
    b"</RefererConfiguration>",
    "requestPayment": b"<RequestPaymentConfiguration><Payer>BucketOwner</Payer></RequestPaymentConfiguration>",
}

Tags = list[tuple[str, str]]


def tagging_header(tags: Iterable[tuple[str, str]]) -> str:
    """The x-oss-tagging header value: URL-encoded key=value pairs joined by &."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in tags)


def _tagging_body(tags: Tags) -> bytes:
    items = "".join(
        f"<Tag><Key>{xmlbuild.xml_text(k)}</Key><Value>{xmlbuild.xml_text(v)}</Value></Tag>" for k, v in tags
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<Tagging><TagSet>{items}</TagSet></Tagging>'.encode()


@xmlparse.document
def _bucket_info_fields(answer) -> dict[str, object]:
    return dict(xmlparse.parse(answer, "BucketInfo", lists=()).get("Bucket") or {})


@xmlparse.document
def _parse_tags(answer) -> Tags:
    tag_set = xmlparse.parse(answer, "Tagging", lists=("Tag",)).get("TagSet") or {}
    return [
        (str(t.get("Key") or ""), str(t.get("Value") or "")) for t in tag_set.get("Tag") or [] if isinstance(t, dict)
    ]


def _check_name(name: str) -> str:
    if name not in CONFIGS:
        raise ClientError(f"unknown bucket configuration {name!r} (one of {', '.join(CONFIGS)})")
    return name


class ConfigOps(Operations):
    """Sub-resources read and written whole (bucket configuration documents, bucket and object tags), bucket
    statistics and the service's DescribeRegions."""

    # ---------------------------------------------------------------- configuration documents

    def get_bucket_config(self, bucket: str, name: str) -> bytes:
        """The stored document of configuration `name` (XML, or JSON for the policy), as the server sends it
        once it is checked to be one: an answer that is not is an InvalidResponse, never shown as the document."""
        resp = self._session.request("GET", bucket, params={_check_name(name): ""})
        root = CONFIGS[name]
        if root is None:
            xmlparse.json_object(resp, "a JSON policy document")
        else:
            xmlparse.element_tree(resp, root)
        return resp.content

    def put_bucket_config(self, bucket: str, name: str, document: bytes) -> None:
        headers = {
            "Content-MD5": base64.b64encode(hashlib.md5(document).digest()).decode(),
            "Content-Type": "application/json" if name == "policy" else "application/xml",
        }
        self._session.request("PUT", bucket, params={_check_name(name): ""}, headers=headers, data=document)

    def delete_bucket_config(self, bucket: str, name: str) -> None:
        if _check_name(name) in RESET:
            self.put_bucket_config(bucket, name, RESET[name])
        else:
            self._session.request("DELETE", bucket, params={name: ""})

    # ---------------------------------------------------------------- tags

    def get_object_tagging(self, bucket: str, key: str, version_id: str | None = None) -> Tags:
        params = version_params(version_id, {"tagging": ""})
        return _parse_tags(self._session.request("GET", bucket, key, params=params))

    def put_object_tagging(self, bucket: str, key: str, tags: Tags, version_id: str | None = None) -> None:
        self._session.request(
            "PUT", bucket, key, params=version_params(version_id, {"tagging": ""}), data=_tagging_body(list(tags))
        )

    def delete_object_tagging(self, bucket: str, key: str, version_id: str | None = None) -> None:
        self._session.request("DELETE", bucket, key, params=version_params(version_id, {"tagging": ""}))

    def get_bucket_tagging(self, bucket: str) -> Tags:
        return _parse_tags(self._session.request("GET", bucket, params={"tagging": ""}))

    def put_bucket_tagging(self, bucket: str, tags: Tags) -> None:
        self._session.request("PUT", bucket, params={"tagging": ""}, data=_tagging_body(list(tags)))

    def delete_bucket_tagging(self, bucket: str) -> None:
        self._session.request("DELETE", bucket, params={"tagging": ""})

    # ---------------------------------------------------------------- statistics and regions

    def get_bucket_info_fields(self, bucket: str) -> dict[str, object]:
        """Every element GetBucketInfo answers (nested ones as dicts), for display: comment, versioning,
        encryption and the rest that BucketInfo does not model."""
        return _bucket_info_fields(self._session.request("GET", bucket, params={"bucketInfo": ""}))

    def get_bucket_stat(self, bucket: str) -> dict[str, int]:
        """GetBucketStat's figures by element name (Storage, ObjectCount, StandardStorage, ...)."""
        stat = xmlparse.parse(self._session.request("GET", bucket, params={"stat": ""}), "BucketStat", lists=())
        return {k: int(v) for k, v in stat.items() if isinstance(v, str) and v.lstrip("-").isdigit()}

    def describe_regions(self, region: str = "") -> list[dict[str, str]]:
        answer = self._session.request("GET", params={"regions": region})
        infos = xmlparse.parse(answer, "RegionInfoList", lists=("RegionInfo",)).get("RegionInfo") or []
        return [{k: v or "" for k, v in info.items()} for info in infos if isinstance(info, dict)]
