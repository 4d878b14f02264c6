"""Service and bucket operations: list buckets, create/delete, info, location, ACL, and object listings
(V1 and V2) with iterators that page transparently."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from ..protocol import H_ACL, MAX_LIST
from . import xmlbuild, xmlparse
from .endpoint import check_bucket_name, nonempty
from .errors import ClientError, InvalidResponse
from .models import BucketInfo, BucketPage, BucketSummary, ObjectPage, ObjectSummary
from .session import Operations

Page = TypeVar("Page")


def paged(
    fetch: Callable[[object], Page],
    next_marker: Callable[[Page], object],
    first="",
    order: Callable[[object], object] | None = None,
    position: Callable[[Page], object] | None = None,
):
    """Pages from `fetch(marker)`, starting at `first`, until one is not truncated. A listing that does not
    advance is an InvalidResponse, not a loop: a truncated page without a next marker, a marker that came
    before, one that goes back (`order` gives the comparable part of a marker; None for opaque tokens), or
    a page whose last entry (`position`) is not past the previous page's."""
    marker, seen, reached = first, {first}, None
    pages = empty = 0
    while True:
        page = fetch(marker)
        pages += 1
        yield page
        if not page.is_truncated:
            return
        here = position(page) if position else None
        if here is not None:
            if reached is not None and here <= reached:
                raise _stuck(page, pages, "its entries do not move on from the previous page's")
            reached, empty = here, 0
        elif position:
            empty += 1
            if empty > _EMPTY_PAGES:
                raise _stuck(page, pages, f"{empty} pages in a row hold nothing but say more follow")
        following = next_marker(page)
        if not following:
            raise _stuck(page, pages, "a page says more follow but names no next marker")
        if following in seen:
            raise _stuck(page, pages, f"marker {_shown(following)} came back again")
        if order is not None and order(following) < order(marker):
            raise _stuck(page, pages, f"marker {_shown(following)} goes back from {_shown(marker)}")
        seen.add(following)
        marker = following


_EMPTY_PAGES = 100  # truncated pages without entries in a row; OSS may send a few, never this many


def _stuck(page, pages: int, why: str) -> InvalidResponse:
    return InvalidResponse(
        f"the server's listing does not advance: {why} (stopped after {pages} pages)",
        status=200,
        code="InvalidListing",
        request_id=getattr(page, "request_id", None),
    )


def _shown(marker) -> str:
    """A marker for a message: markers come from the server, so cut short (the shell escapes the rest)."""
    text = "/".join(str(m) for m in marker) if isinstance(marker, tuple) else str(marker)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def key_order(marker) -> bytes:
    """Keys (and the key of a (key, id) marker) in OSS's listing order: by their UTF-8 bytes."""
    return (marker[0] if isinstance(marker, tuple) else marker).encode("utf-8", "surrogatepass")


class BucketOps(Operations):
    """The service's list of buckets, and buckets: create, delete, info, location, ACL, and the listings
    of their objects."""

    # ---------------------------------------------------------------- service

    def list_buckets(self, prefix: str = "", marker: str = "", max_keys: int = 100) -> BucketPage:
        params = nonempty({"prefix": prefix, "marker": marker, "max-keys": max_keys})
        return xmlparse.bucket_page(self._session.request("GET", params=params))

    def iter_buckets(self, prefix: str = "") -> Iterator[BucketSummary]:
        for page in paged(
            lambda marker: self.list_buckets(prefix=prefix, marker=marker, max_keys=MAX_LIST),
            lambda page: page.next_marker,
            order=key_order,
            position=lambda page: max((key_order(b.name) for b in page.buckets), default=None),
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
        return xmlparse.bucket_info(self._session.request("GET", bucket, params={"bucketInfo": ""}))

    def get_bucket_location(self, bucket: str) -> str:
        return xmlparse.location(self._session.request("GET", bucket, params={"location": ""}))

    def get_bucket_acl(self, bucket: str) -> str:
        return xmlparse.acl(self._session.request("GET", bucket, params={"acl": ""}))

    def put_bucket_acl(self, bucket: str, acl: str) -> None:
        self._session.request("PUT", bucket, params={"acl": ""}, headers={H_ACL: acl})

    # ---------------------------------------------------------------- listings

    def list_objects(
        self, bucket: str, prefix: str = "", marker: str = "", delimiter: str = "", max_keys: int = 100
    ) -> ObjectPage:
        params = nonempty({"prefix": prefix, "marker": marker, "delimiter": delimiter, "max-keys": max_keys})
        params["encoding-type"] = "url"
        return xmlparse.object_page(self._session.request("GET", bucket, params=params))

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
        return xmlparse.object_page(self._session.request("GET", bucket, params=params))

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
            position=_last_entry,
        ):
            yield from _merge(page)


def _last_entry(page: ObjectPage) -> bytes | None:
    """The greatest key or prefix a page holds (None for an empty page)."""
    names = [o.key for o in page.objects] + page.prefixes
    return max(n.encode("utf-8", "surrogatepass") for n in names) if names else None


def _merge(page: ObjectPage) -> list[ObjectSummary | str]:
    """A page's objects and prefixes interleaved in key order (as a plain listing shows them)."""
    entries: list[ObjectSummary | str] = [*page.objects, *page.prefixes]
    return sorted(entries, key=lambda e: (e if isinstance(e, str) else e.key).encode("utf-8"))
