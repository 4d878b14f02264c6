"""Service and bucket operations: list buckets, create/delete, info, location, ACL, and object listings
(V1 and V2) with iterators that page transparently."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from ..protocol import H_ACL, MAX_LIST
from . import xmlbuild, xmlparse
from .endpoint import check_bucket_name, nonempty
from .errors import ClientError
from .models import BucketInfo, BucketPage, BucketSummary, ObjectPage, ObjectSummary
from .session import Operations

Page = TypeVar("Page")


def paged(fetch: Callable[[object], Page], next_marker: Callable[[Page], object], first=""):
    """Pages from `fetch(marker)`, starting at `first`, until one is not truncated. A truncated page
    without a next marker also ends it: asking again from the same place would repeat that page forever."""
    marker = first
    while True:
        page = fetch(marker)
        yield page
        if not page.is_truncated:
            return
        marker = next_marker(page)
        if not marker:
            return


class BucketOps(Operations):
    """The service's list of buckets, and buckets: create, delete, info, location, ACL, and the listings
    of their objects."""

    # ---------------------------------------------------------------- service

    def list_buckets(self, prefix: str = "", marker: str = "", max_keys: int = 100) -> BucketPage:
        params = nonempty({"prefix": prefix, "marker": marker, "max-keys": max_keys})
        return xmlparse.bucket_page(self._session.request("GET", params=params).content)

    def iter_buckets(self, prefix: str = "") -> Iterator[BucketSummary]:
        for page in paged(
            lambda marker: self.list_buckets(prefix=prefix, marker=marker, max_keys=MAX_LIST),
            lambda page: page.next_marker,
        ):
            yield from page.buckets

    # ---------------------------------------------------------------- buckets

    def create_bucket(
        self, bucket: str, acl: str | None = None, storage_class: str | None = None, region: str | None = None
    ) -> None:
        """`region` (cn-hangzhou or oss-cn-hangzhou) must be the endpoint's region: OSS creates a bucket
        in the region of the endpoint that receives the request. An invalid name is refused before sending."""
        check_bucket_name(bucket)
        headers = {H_ACL: acl} if acl else {}
        body = xmlbuild.create_bucket(storage_class)
        if body:
            headers["Content-Type"] = "application/xml"
        if region:
            self._check_region(region)
        self._session.request("PUT", bucket, headers=headers, data=body)

    def _check_region(self, region: str) -> None:
        wanted = region[4:] if region.startswith("oss-") else region
        if self._session.region and wanted != self._session.region:
            raise ClientError(f"cannot create a bucket in {wanted} through an endpoint of {self._session.region}")

    def delete_bucket(self, bucket: str) -> None:
        self._session.request("DELETE", bucket)

    def get_bucket_info(self, bucket: str) -> BucketInfo:
        return xmlparse.bucket_info(self._session.request("GET", bucket, params={"bucketInfo": ""}).content)

    def get_bucket_location(self, bucket: str) -> str:
        return xmlparse.location(self._session.request("GET", bucket, params={"location": ""}).content)

    def get_bucket_acl(self, bucket: str) -> str:
        return xmlparse.acl(self._session.request("GET", bucket, params={"acl": ""}).content)

    def put_bucket_acl(self, bucket: str, acl: str) -> None:
        self._session.request("PUT", bucket, params={"acl": ""}, headers={H_ACL: acl})

    # ---------------------------------------------------------------- listings

    def list_objects(
        self, bucket: str, prefix: str = "", marker: str = "", delimiter: str = "", max_keys: int = 100
    ) -> ObjectPage:
        params = nonempty({"prefix": prefix, "marker": marker, "delimiter": delimiter, "max-keys": max_keys})
        params["encoding-type"] = "url"
        return xmlparse.object_page(self._session.request("GET", bucket, params=params).content)

    def list_objects_v2(
        self,
        bucket: str,
        prefix: str = "",
        delimiter: str = "",
        start_after: str = "",
        continuation_token: str = "",
        max_keys: int = 100,
        fetch_owner: bool = False,
    ) -> ObjectPage:
        params = {
            "list-type": "2",
            **nonempty(
                {
                    "prefix": prefix,
                    "delimiter": delimiter,
                    "start-after": start_after,
                    "continuation-token": continuation_token,
                    "max-keys": max_keys,
                }
            ),
            "encoding-type": "url",
        }
        if fetch_owner:
            params["fetch-owner"] = "true"
        return xmlparse.object_page(self._session.request("GET", bucket, params=params).content)

    def iter_objects(
        self, bucket: str, prefix: str = "", delimiter: str = "", start_after: str = "", page_size: int = MAX_LIST
    ) -> Iterator[ObjectSummary | str]:
        """Objects and (as str) common prefixes in key order, over as many V2 pages as it takes."""
        for page in paged(
            lambda token: self.list_objects_v2(
                bucket,
                prefix=prefix,
                delimiter=delimiter,
                start_after=start_after,
                continuation_token=token,
                max_keys=page_size,
            ),
            lambda page: page.next_continuation_token,
        ):
            yield from _merge(page)


def _merge(page: ObjectPage) -> list[ObjectSummary | str]:
    """A page's objects and prefixes interleaved in key order (as a plain listing shows them)."""
    entries: list[ObjectSummary | str] = [*page.objects, *page.prefixes]
    return sorted(entries, key=lambda e: (e if isinstance(e, str) else e.key).encode("utf-8"))
