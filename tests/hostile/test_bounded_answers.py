"""Every answer held in memory is bounded, its decoded size included: a gzip bomb as a listing or as an error
document, an endless listing or error body, all stop with one clear error and memory stays small; the
connection is closed, not reused. Object bodies are not documents: a gzip-encoded one is kept as stored."""

import gzip
import time
import tracemalloc
import zlib

import pytest

from ossh.client import InvalidResponse
from ossh.oss_api import OssAPI

from .conftest import wait_until
from .evil import AK, BUCKET, REQUEST_ID, SK, victim

MIB = 1 << 20


def _bomb(head: bytes, decoded: int) -> bytes:
    """About decoded/1000 bytes of gzip that expand to `head` and `decoded` bytes of spaces (members of
    64 MiB, one after the other: a valid gzip body, and cheap to make)."""
    member = gzip.compress(b" " * (64 * MIB), compresslevel=9)
    return gzip.compress(head) + member * (decoded // (64 * MIB))


@pytest.fixture(scope="module")
def listing_bomb():
    body = _bomb(b'<?xml version="1.0"?><ListBucketResult><Name>bkt</Name>', 1024 * MIB)
    assert len(body) < 1_200_000
    return body


def _peak_while(action) -> tuple[int, BaseException | None]:
    """Bytes allocated at the peak (above the start) while `action` runs, and what it raised."""
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        try:
            action()
            raised = None
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            raised = exc
        return tracemalloc.get_traced_memory()[1] - base, raised
    finally:
        tracemalloc.stop()


def _too_large(exc, status: int) -> None:
    assert isinstance(exc, InvalidResponse), repr(exc)
    assert exc.code == "ResponseTooLarge" and exc.status == status and exc.request_id == REQUEST_ID
    assert "\n" not in str(exc) and "MiB" in str(exc)


@pytest.mark.parametrize(
    "operation",
    [
        lambda c: list(c.iter_objects(BUCKET)),
        lambda c: c.list_objects(BUCKET),
        lambda c: c.get_bucket_config(BUCKET, "lifecycle"),
        lambda c: c.list_buckets(),
    ],
    ids=["iter_objects", "list_objects", "config", "list_buckets"],
)
def test_gzip_bomb_listing_stops_with_memory_bounded(evil, listing_bomb, operation):
    evil.answer = lambda a: a.send(200, listing_bomb, {"Content-Encoding": "gzip", "Content-Type": "application/xml"})
    peak, raised = _peak_while(lambda: operation(victim(evil)))
    _too_large(raised, 200)
    assert peak < 120 * MIB, f"{peak / MIB:.0f} MiB held"


def test_deflate_bomb_listing_stops(evil):
    packer = zlib.compressobj(9)
    bomb = packer.compress(b"<ListBucketResult>" + b" " * (48 * MIB)) + packer.flush()
    evil.answer = lambda a: a.send(200, bomb, {"Content-Encoding": "deflate"})
    peak, raised = _peak_while(lambda: victim(evil).list_objects(BUCKET))
    _too_large(raised, 200)
    assert peak < 120 * MIB


def test_gzip_bomb_listing_through_the_2013_facade(evil, listing_bomb):
    evil.answer = lambda a: a.send(200, listing_bomb, {"Content-Encoding": "gzip"})
    peak, raised = _peak_while(lambda: OssAPI(evil.netloc, AK, SK).get_bucket(BUCKET))
    _too_large(raised, 200)
    assert peak < 120 * MIB


@pytest.mark.parametrize("status", [403, 404, 500])
def test_gzip_bomb_error_document_stops_at_a_mebibyte(evil, status):
    bomb = _bomb(b"<Error><Code>AccessDenied</Code><Message>", 256 * MIB)
    evil.answer = lambda a: a.send(status, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/xml"})
    peak, raised = _peak_while(lambda: victim(evil).get_object(BUCKET, "k"))
    _too_large(raised, status)
    assert peak < 20 * MIB, f"{peak / MIB:.0f} MiB held"
    assert len(evil.seen) == 1  # not retried: the same answer would come again


@pytest.mark.parametrize(
    "status, operation, limit",
    [
        (403, lambda c: c.get_object(BUCKET, "k"), MIB),
        (403, lambda c: c.put_object(BUCKET, "k", b"body"), MIB),
        (503, lambda c: c.list_objects(BUCKET), MIB),
        (200, lambda c: list(c.iter_objects(BUCKET)), 32 * MIB),
        (200, lambda c: c.get_bucket_acl(BUCKET), 32 * MIB),
    ],
    ids=["error-get", "error-put", "error-list", "listing", "acl"],
)
def test_endless_body_is_cut_off_and_its_connection_closed(evil, status, operation, limit):
    evil.answer = lambda a: evil.written.append(a.endless(status, b"<x>" * 21845, {"Content-Type": "application/xml"}))
    started = time.monotonic()
    peak, raised = _peak_while(lambda: operation(victim(evil)))
    _too_large(raised, status)
    assert time.monotonic() - started < 30
    assert peak < limit + 40 * MIB
    assert wait_until(lambda: evil.written, timeout=10), "the client kept the endless answer's connection open"
    assert evil.written[0] < limit + 64 * MIB


def test_error_document_under_the_limit_is_read_whole(evil):
    padding = "x" * (MIB // 2)
    body = f"<Error><Code>AccessDenied</Code><Message>no</Message><Pad>{padding}</Pad></Error>".encode()
    evil.answer = lambda a: a.send(403, gzip.compress(body), {"Content-Encoding": "gzip"})
    with pytest.raises(Exception) as exc:
        victim(evil).get_object(BUCKET, "k")
    assert type(exc.value).__name__ == "AccessDenied" and exc.value.details["Pad"] == padding


def test_unknown_content_encoding_of_a_document_is_refused(evil):
    evil.answer = lambda a: a.send(200, b"\x00" * 100, {"Content-Encoding": "br"})
    with pytest.raises(InvalidResponse, match="encoded as 'br'"):
        victim(evil).list_objects(BUCKET)


# ---------------------------------------------------------------- object bodies are kept as stored


STORED = gzip.compress(b"the object's own bytes " * 100)


@pytest.fixture
def gzip_object(evil):
    evil.answer = lambda a: a.send(
        200, STORED, {"Content-Encoding": "gzip", "Content-Type": "text/plain", "ETag": '"e"'}
    )
    return evil


def test_gzip_encoded_object_is_read_as_stored(gzip_object):
    c = victim(gzip_object)
    assert c.get_object(BUCKET, "k").read() == STORED
    assert b"".join(c.get_object(BUCKET, "k").iter_chunks(7)) == STORED


def test_gzip_encoded_object_is_saved_as_stored(gzip_object, tmp_path):
    victim(gzip_object).get_object_to_file(BUCKET, "k", tmp_path / "k")
    assert (tmp_path / "k").read_bytes() == STORED


def test_gzip_encoded_object_through_the_2013_facade(gzip_object, tmp_path):
    api = OssAPI(gzip_object.netloc, AK, SK)
    assert api.get_object(BUCKET, "k").read() == STORED
    api.get_object_to_file(BUCKET, "k", str(tmp_path / "k"))
    assert (tmp_path / "k").read_bytes() == STORED


def _endless_chunk_size_line(a) -> None:
    """A chunked answer whose first chunk-size line never ends: hex digits until the client hangs up."""
    h = a._h
    h.close_connection = True
    h.send_response(200)
    for k, v in {"x-oss-request-id": REQUEST_ID, "Transfer-Encoding": "chunked", "ETag": '"e"'}.items():
        h.send_header(k, v)
    h.end_headers()
    block = b"f" * (1 << 16)
    try:
        while True:
            h.wfile.write(block)
    except OSError:
        pass


@pytest.mark.parametrize(
    "operation",
    [lambda c: c.get_object(BUCKET, "k").read(), lambda c: c.get_object(BUCKET, "k").read(-1)],
    ids=["read", "read-all"],
)
def test_an_endless_chunk_size_line_of_an_object_stops(evil, operation):
    """Object bodies are streamed, but what frames them is not data: a chunk-size line is bounded too."""
    evil.answer = _endless_chunk_size_line
    peak, raised = _peak_while(lambda: operation(victim(evil)))
    assert type(raised).__name__ == "TransportError" and "\n" not in str(raised), repr(raised)
    assert peak < 8 * MIB, f"{peak / MIB:.0f} MiB held"


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(data) + packer.flush()


def test_raw_deflate_bomb_listing_stops_as_too_large(evil):
    """`deflate` sent without its zlib header (as many servers do) is bounded as the framed one is."""
    bomb = _raw_deflate(b"<ListBucketResult>" + b" " * (48 * MIB))
    evil.answer = lambda a: a.send(200, bomb, {"Content-Encoding": "deflate"})
    peak, raised = _peak_while(lambda: victim(evil).list_objects(BUCKET))
    _too_large(raised, 200)
    assert peak < 120 * MIB


@pytest.mark.parametrize("framing", ["raw", "zlib", "gzip"])
def test_a_deflate_listing_is_read_whatever_its_framing(evil, framing):
    doc = b"<ListBucketResult><Name>bkt</Name><Contents><Key>k</Key><Size>1</Size></Contents></ListBucketResult>"
    body = {"raw": _raw_deflate, "zlib": zlib.compress, "gzip": gzip.compress}[framing](doc)
    evil.answer = lambda a: a.send(200, body, {"Content-Encoding": "deflate"})
    assert [o.key for o in victim(evil).list_objects(BUCKET).objects] == ["k"]


@pytest.fixture
def endless_object(evil):
    """HEAD and the listing say the object holds 10 bytes; its GET body declares no length and never ends."""

    def answer(a):
        if a.seen.method == "HEAD":
            a.send(200, b"", {"Content-Length": "10", "ETag": '"e"', "Last-Modified": "Tue, 08 Dec 2026 00:00:00 GMT"})
        elif "list-type" in a.seen.path:
            a.xml(
                b"<ListBucketResult><Name>bkt</Name><IsTruncated>false</IsTruncated>"
                b"<Contents><Key>p/k</Key><Size>10</Size></Contents></ListBucketResult>"
            )
        else:
            evil.written.append(a.endless(200, b"x" * 65536, {"ETag": '"e"'}))

    evil.answer = answer
    return evil


@pytest.mark.parametrize("line", ["get oss://bkt/k {d}/k", "get -r oss://bkt/p/ {d}"])
def test_an_endless_object_body_stops_at_the_object_size(endless_object, tmp_path, line):
    from .evil import run_ossh

    run = run_ossh(line.format(d=tmp_path / "d").split(), endless_object.endpoint, tmp_path)
    assert run.returncode == 0, run
    assert (tmp_path / "d" / "k").read_bytes() == b"x" * 10
    assert wait_until(lambda: endless_object.written, timeout=10), "the endless answer's connection stayed open"
