"""A listing that does not advance is an error, never an endless loop: a continuation token or marker that
comes back (or cycles), one that goes back, a page that says more follow but names no next marker, or V2
pages whose entries do not move on - for every pager of the client, and `ossh ls` prints one line."""

from urllib.parse import parse_qs, urlsplit

import pytest

from ossh.client import InvalidResponse

from .evil import BUCKET, REQUEST_ID, run_ossh, victim

GIVE_UP = 40  # the server ends its listing after this many pages, so that a pager that loops still stops


def serve_pages(evil, page):
    """Answer the n-th listing request with page(n, query) (a truncated page), the GIVE_UP-th with an end."""

    def answer(a):
        n = len(evil.seen)
        query = {k: v[0] for k, v in parse_qs(urlsplit(a.seen.path).query, keep_blank_values=True).items()}
        a.xml(page(n, query, n < GIVE_UP).encode())

    evil.answer = answer


def _stuck(exc: pytest.ExceptionInfo, evil, pages: int, why: str) -> None:
    err = exc.value
    assert err.code == "InvalidListing" and err.request_id == REQUEST_ID and why in str(err), str(err)
    assert "\n" not in str(err) and len(evil.seen) == pages


def v2(n, keys, token, truncated=True):
    contents = "".join(f"<Contents><Key>{k}</Key><Size>1</Size></Contents>" for k in keys)
    nxt = f"<NextContinuationToken>{token}</NextContinuationToken>" if token is not None else ""
    return (
        f"<ListBucketResult><Name>{BUCKET}</Name><IsTruncated>{str(truncated).lower()}</IsTruncated>"
        f"{contents}{nxt}</ListBucketResult>"
    )


def test_repeated_continuation_token(evil):
    serve_pages(evil, lambda n, q, more: v2(n, [f"k{n}"], "same", more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_objects(BUCKET))
    _stuck(exc, evil, 2, "marker 'same' came back again")
    assert parse_qs(urlsplit(evil.seen[1].path).query)["continuation-token"] == ["same"]


def test_cycling_continuation_tokens(evil):
    serve_pages(evil, lambda n, q, more: v2(n, [f"k{n}"], "ab"[n % 2], more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_objects(BUCKET))
    _stuck(exc, evil, 3, "came back again")


def test_fresh_tokens_over_the_same_entries(evil):
    serve_pages(evil, lambda n, q, more: v2(n, ["a", "b"], f"t{n}", more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_objects(BUCKET))
    _stuck(exc, evil, 2, "do not move on")


def test_endless_empty_pages_with_fresh_tokens(evil):
    serve_pages(evil, lambda n, q, more: v2(n, [], f"t{n}", True))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_objects(BUCKET))
    _stuck(exc, evil, 101, "101 pages in a row hold nothing")


def test_truncated_v2_page_without_a_token(evil):
    serve_pages(evil, lambda n, q, more: v2(n, [f"k{n}"], None, more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_objects(BUCKET))
    _stuck(exc, evil, 1, "names no next marker")


def test_a_listing_that_advances_is_read_to_its_end(evil):
    serve_pages(evil, lambda n, q, more: v2(n, [f"k{n:02d}"], f"t{n}", more and n < 3))
    assert [o.key for o in victim(evil).iter_objects(BUCKET)] == ["k01", "k02", "k03"]


def buckets(n, marker, truncated=True):
    nxt = f"<NextMarker>{marker}</NextMarker>" if marker is not None else ""
    return (
        f"<ListAllMyBucketsResult><IsTruncated>{str(truncated).lower()}</IsTruncated>{nxt}"
        f"<Buckets><Bucket><Name>b{n}</Name></Bucket></Buckets></ListAllMyBucketsResult>"
    )


@pytest.mark.parametrize(
    "marker, pages, why",
    [
        (lambda n: "m", 2, "marker 'm' came back again"),
        (lambda n: "mz" if n == 1 else "ma", 2, "goes back from 'mz'"),
        (lambda n: None, 1, "names no next marker"),
    ],
    ids=["repeated", "backwards", "missing"],
)
def test_bucket_marker(evil, marker, pages, why):
    serve_pages(evil, lambda n, q, more: buckets(n, marker(n), more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_buckets())
    _stuck(exc, evil, pages, why)


def paired(root: str, entry: str, second: str):
    """A page builder for listings with (key, id) markers: versions (VersionId) or uploads (UploadId)."""

    def page(n, key_marker, id_marker, truncated=True):
        nxt = ""
        if key_marker is not None:
            nxt = f"<NextKeyMarker>{key_marker}</NextKeyMarker><Next{second}Marker>{id_marker}</Next{second}Marker>"
        return (
            f"<{root}><Name>{BUCKET}</Name><IsTruncated>{str(truncated).lower()}</IsTruncated>{nxt}"
            f"<{entry}><Key>k</Key><{second}>{second[0].lower()}{n}</{second}></{entry}></{root}>"
        )

    return page


versions = paired("ListVersionsResult", "Version", "VersionId")
uploads = paired("ListMultipartUploadsResult", "Upload", "UploadId")


@pytest.mark.parametrize(
    "markers, pages, why",
    [
        (lambda n: ("k", "v1"), 2, "marker 'k/v1' came back again"),
        (lambda n: ("k", "v1" if n % 2 else "v2"), 3, "came back again"),
        (lambda n: ("z" if n == 1 else "a", "v"), 2, "goes back"),
        (lambda n: (None, None), 1, "names no next marker"),
    ],
    ids=["repeated", "cycling", "backwards", "missing"],
)
def test_version_markers(evil, markers, pages, why):
    serve_pages(evil, lambda n, q, more: versions(n, *markers(n), more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_object_versions(BUCKET))
    _stuck(exc, evil, pages, why)


def test_many_versions_of_one_key_over_pages_are_read(evil):
    serve_pages(evil, lambda n, q, more: versions(n, "k", f"v{n}", more and n < 3))
    assert [v.version_id for v in victim(evil).iter_object_versions(BUCKET)] == ["v1", "v2", "v3"]


@pytest.mark.parametrize(
    "markers, pages, why",
    [
        (lambda n: ("k", "u1"), 2, "marker 'k/u1' came back again"),
        (lambda n: ("z" if n == 1 else "a", "u"), 2, "goes back"),
        (lambda n: (None, None), 1, "names no next marker"),
    ],
    ids=["repeated", "backwards", "missing"],
)
def test_upload_markers(evil, markers, pages, why):
    serve_pages(evil, lambda n, q, more: uploads(n, *markers(n), more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_uploads(BUCKET))
    _stuck(exc, evil, pages, why)


def parts(n, marker, truncated=True):
    nxt = f"<NextPartNumberMarker>{marker}</NextPartNumberMarker>" if marker is not None else ""
    return (
        f"<ListPartsResult><Bucket>{BUCKET}</Bucket><Key>k</Key><UploadId>u</UploadId>"
        f"<IsTruncated>{str(truncated).lower()}</IsTruncated>{nxt}"
        f'<Part><PartNumber>{n}</PartNumber><ETag>"e"</ETag><Size>1</Size></Part></ListPartsResult>'
    )


@pytest.mark.parametrize(
    "marker, pages, why",
    [
        (lambda n: 5, 2, "marker '5' came back again"),
        (lambda n: 9 if n == 1 else 3, 2, "goes back from '9'"),
        (lambda n: None, 1, "names no next marker"),
    ],
    ids=["repeated", "backwards", "missing"],
)
def test_part_number_marker(evil, marker, pages, why):
    serve_pages(evil, lambda n, q, more: parts(n, marker(n), more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_parts(BUCKET, "k", "u"))
    _stuck(exc, evil, pages, why)


def test_shell_ls_stops_with_one_line(evil, tmp_path):
    serve_pages(evil, lambda n, q, more: v2(n, [f"k{n}"], "same", more))
    run = run_ossh(["ls", f"oss://{BUCKET}/"], evil.endpoint, tmp_path)
    assert run.returncode == 1, run
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("ossh: ls: ") and "does not advance" in run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert len(evil.seen) == 2


def test_shell_removing_versions_that_never_go_stops(evil, tmp_path):
    """rm --all-versions lists from the start after each batch: versions reported deleted yet listed again
    would make it loop."""

    def answer(a):
        if a.seen.method == "POST":  # DeleteMultipleObjects: claims success
            a.xml(b"<DeleteResult><Deleted><Key>k</Key><VersionId>v1</VersionId></Deleted></DeleteResult>")
        else:
            a.xml(versions(1, "k", "v1", len(evil.seen) < GIVE_UP).encode())

    evil.answer = answer
    run = run_ossh(["rm", "--all-versions", f"oss://{BUCKET}/k"], evil.endpoint, tmp_path)
    assert run.returncode == 1, run
    assert run.stderr.count("\n") == 1 and "lists again the versions it said it deleted" in run.stderr
    assert [s.method for s in evil.seen] == ["GET", "POST", "GET"]


def test_shell_removing_versions_that_come_back_in_turn_stops(evil, tmp_path):
    """Versions deleted yet listed again in a later round, not the next one (v1, v2, v1, ...), loop too."""
    lists = []

    def answer(a):
        if a.seen.method == "POST":
            a.xml(b"<DeleteResult><Deleted><Key>k</Key><VersionId>v</VersionId></Deleted></DeleteResult>")
        else:
            lists.append(a.seen)
            a.xml(versions(len(lists) % 2 + 1, "k", "v", len(evil.seen) < GIVE_UP).encode())

    evil.answer = answer
    run = run_ossh(["rm", "--all-versions", f"oss://{BUCKET}/k"], evil.endpoint, tmp_path)
    assert run.returncode == 1, run
    assert run.stderr.count("\n") == 1 and "lists again the versions it said it deleted" in run.stderr
    assert [s.method for s in evil.seen] == ["GET", "POST", "GET", "POST", "GET"]


def test_fresh_bucket_markers_over_the_same_buckets(evil):
    """Each page names a new marker, later than the one before, yet lists the same bucket again."""
    serve_pages(evil, lambda n, q, more: buckets(1, f"m{n:03d}", more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_buckets())
    _stuck(exc, evil, 2, "do not move on")


def test_fresh_part_number_markers_over_the_same_part(evil):
    serve_pages(evil, lambda n, q, more: parts(1, n + 1, more))
    with pytest.raises(InvalidResponse) as exc:
        list(victim(evil).iter_parts(BUCKET, "k", "u"))
    _stuck(exc, evil, 2, "do not move on")


def test_bucket_and_part_listings_that_advance_are_read_to_their_end(evil):
    serve_pages(evil, lambda n, q, more: buckets(n, f"b{n}", more and n < 3))
    assert [b.name for b in victim(evil).iter_buckets()] == ["b1", "b2", "b3"]
    evil.seen.clear()
    serve_pages(evil, lambda n, q, more: parts(n, n, more and n < 3))
    assert [p.part_number for p in victim(evil).iter_parts(BUCKET, "k", "u")] == [1, 2, 3]
