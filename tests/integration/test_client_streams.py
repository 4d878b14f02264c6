"""upload_stream and copy against the embedded server: one request when small, the parts engine above
(bounded memory, combined CRC-64, abort on failure or Ctrl-C), metadata carried over by multipart copies."""

import io
import os
import resource
import signal

import pytest

from ossh.client import LocalFileError
from ossh.client.crc import crc64
from ossh.client.errors import NoSuchKey, NotModified, PreconditionFailed

PART = 100 * 1024


class Pipe(io.RawIOBase):
    """A non-seekable stream that returns short reads and counts what was taken from it."""

    def __init__(self, data: bytes, fail_at: int | None = None, failure=KeyboardInterrupt):
        self.data, self.pos, self.fail_at, self.failure = data, 0, fail_at, failure

    def readable(self):
        return True

    def readinto(self, b):
        if self.fail_at is not None and self.pos >= self.fail_at:
            raise self.failure()
        n = min(len(b), 7000, len(self.data) - self.pos)
        b[:n] = self.data[self.pos : self.pos + n]
        self.pos += n
        return n


def test_small_stream_is_one_put(client, bucket):
    result = client.upload_stream(bucket, "s.txt", Pipe(b"hello"), part_size=PART)
    meta = client.head_object(bucket, "s.txt")
    assert meta.object_type == "Normal" and meta.content_type == "text/plain"
    assert result.crc64 == crc64(b"hello") == meta.crc64


def test_stream_goes_up_in_parts_with_bounded_reads(client, bucket):
    data = os.urandom(PART * 7 + 333)
    pipe, ahead = Pipe(data), []

    def progress(done, total):
        assert total is None
        ahead.append(pipe.pos - done)  # bytes read from the stream but not yet sent

    result = client.upload_stream(
        bucket,
        "big.bin",
        pipe,
        part_size=PART,
        threads=2,
        progress=progress,
        metadata={"k": "v"},
        content_type="application/x-test",
    )
    meta = client.head_object(bucket, "big.bin")
    assert meta.object_type == "Multipart" and result.etag.endswith("-8")
    assert result.crc64 == crc64(data) == meta.crc64
    assert meta.metadata == {"k": "v"} and meta.content_type == "application/x-test"
    assert client.get_object(bucket, "big.bin").read() == data
    assert max(ahead) <= 3 * PART  # two parts in flight and at most one being read
    assert not list(client.iter_uploads(bucket))


def test_stream_of_chunks_and_forced_multipart(client, bucket):
    client.upload_stream(bucket, "it.bin", (b"ab" for _ in range(3)), multipart=True)
    assert client.get_object(bucket, "it.bin").read() == b"ababab"
    assert client.head_object(bucket, "it.bin").object_type == "Multipart"


@pytest.mark.parametrize("failure, raised", [(KeyboardInterrupt, KeyboardInterrupt), (OSError, LocalFileError)])
def test_stream_failure_aborts_the_upload(client, bucket, failure, raised):
    with pytest.raises(raised):
        client.upload_stream(
            bucket, "cut.bin", Pipe(bytes(PART * 5), fail_at=PART * 3, failure=failure), part_size=PART, threads=2
        )
    assert not client.object_exists(bucket, "cut.bin")
    assert not list(client.iter_uploads(bucket))


def test_copy_below_the_limit_is_copy_object(client, bucket):
    client.put_object(bucket, "src.txt", b"small", metadata={"a": "1"})
    seen = []
    client.copy(bucket, "src.txt", bucket, "dst.txt", progress=lambda d, t: seen.append((d, t)))
    meta = client.head_object(bucket, "dst.txt")
    assert meta.object_type == "Normal" and meta.metadata == {"a": "1"} and seen == [(5, 5)]


def test_copy_above_the_limit_goes_part_by_part_in_parallel(client, bucket):
    data = os.urandom(PART * 4 + 17)
    client.put_object(bucket, "big.src", data, content_type="application/x-big", metadata={"k": "v"})
    seen = []
    result = client.copy(
        bucket,
        "big.src",
        bucket,
        "big.dst",
        threshold=PART,
        part_size=PART,
        threads=3,
        progress=lambda d, t: seen.append((d, t)),
    )
    meta = client.head_object(bucket, "big.dst")
    assert meta.object_type == "Multipart" and result.crc64 == crc64(data) == meta.crc64
    assert meta.content_type == "application/x-big" and meta.metadata == {"k": "v"}
    assert client.get_object(bucket, "big.dst").read() == data
    assert seen[-1] == (len(data), len(data))
    client.copy(bucket, "big.src", bucket, "re.dst", threshold=PART, part_size=PART, metadata={"n": "2"})
    replaced = client.head_object(bucket, "re.dst")
    assert replaced.metadata == {"n": "2"} and replaced.content_type == "application/octet-stream"
    with pytest.raises(NoSuchKey):
        client.copy(bucket, "absent", bucket, "x", threshold=PART)
    assert not list(client.iter_uploads(bucket))


def test_multipart_copy_of_a_source_overwritten_midway_publishes_nothing(client, bucket):
    client.put_object(bucket, "moving.src", os.urandom(PART * 3))
    overwritten = []

    def overwrite_after_first_part(done, total):
        if not overwritten:
            overwritten.append(client.put_object(bucket, "moving.src", os.urandom(PART * 3)))

    # Every part copy is pinned to the source's first ETag: the part after the overwrite is refused (412)
    # and the upload aborted, so neither a mix of both versions nor a leftover upload remains.
    with pytest.raises(PreconditionFailed):
        client.copy(
            bucket,
            "moving.src",
            bucket,
            "moving.dst",
            threshold=PART,
            part_size=PART,
            threads=1,
            progress=overwrite_after_first_part,
        )
    assert overwritten and not client.object_exists(bucket, "moving.dst")
    assert not list(client.iter_uploads(bucket))


def test_copy_source_conditions_are_sent(client, bucket):
    etag = client.put_object(bucket, "cond.src", b"x" * PART).etag
    with pytest.raises(PreconditionFailed):
        client.copy_object(bucket, "cond.src", bucket, "cond.dst", source_if_match="0" * 32)
    with pytest.raises(NotModified):  # OSS answers 304 when a copy's none-match condition fails
        client.copy_object(bucket, "cond.src", bucket, "cond.dst", source_if_none_match=etag)
    upload_id = client.init_multipart_upload(bucket, "cond.dst")
    with pytest.raises(PreconditionFailed):
        client.upload_part_copy(bucket, "cond.dst", upload_id, 1, bucket, "cond.src", source_if_match="0" * 32)
    part = client.upload_part_copy(bucket, "cond.dst", upload_id, 1, bucket, "cond.src", source_if_match=etag)
    assert client.complete_multipart_upload(bucket, "cond.dst", upload_id, [part]).crc64 == crc64(b"x" * PART)
    client.copy_object(bucket, "cond.src", bucket, "cond.dst", source_if_match=etag)


def test_multipart_uploads_carry_the_complete_request_id(client, bucket, tmp_path):
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(PART * 2 + 1))
    result = client.upload_file(bucket, "big.bin", path, threshold=PART, part_size=PART)
    streamed = client.upload_stream(bucket, "s.bin", io.BytesIO(os.urandom(PART * 2)), part_size=PART)
    assert result.request_id and streamed.request_id and result.request_id != streamed.request_id


def test_upload_file_missing_is_a_clean_error(client, bucket, tmp_path):
    with pytest.raises(LocalFileError, match="no-such-file"):
        client.upload_file(bucket, "k", tmp_path / "no-such-file")


def test_download_that_cannot_be_written_leaves_no_temp_file(client, bucket, tmp_path):
    data = os.urandom(3 << 20)
    client.put_object(bucket, "d.bin", data)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, hard))  # writes past 1 MiB fail, like a full disk
    try:
        with pytest.raises(LocalFileError, match="d.out"):
            client.download_file(bucket, "d.bin", tmp_path / "d.out")
        with pytest.raises(LocalFileError):
            client.download_file(bucket, "d.bin", tmp_path / "d.out", threads=2, part_size=1 << 20, threshold=0)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old)
    assert os.listdir(tmp_path) == []
