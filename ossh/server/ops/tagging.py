"""Object and bucket tagging: Put/Get/DeleteObjectTagging and Put/Get/DeleteBucketTagging, and an object's tags
as GET and HEAD report them (x-oss-tagging-count)."""

from __future__ import annotations

from ossh.protocol import H_TAGGING_COUNT

from ..checks.tags import Tags, check_bucket_tags, check_object_tags, decode, encode, from_document, to_document
from ..store.configs import TAGS_FIELD
from ..wire.message import Request, Response
from . import versioning


def object_tags(record) -> Tags:
    return decode(record.attrs.headers.get(TAGS_FIELD, ""))


def count_header(record) -> dict[str, str]:
    """x-oss-tagging-count for GET/HEAD, present only when the object has tags (as OSS does)."""
    encoded = record.attrs.headers.get(TAGS_FIELD)
    return {H_TAGGING_COUNT: str(encoded.count("&") + 1)} if encoded else {}


# ---------------------------------------------------------------- operations


def put_object_tagging(app, req: Request) -> Response:
    record = versioning.require(app, req)
    tags = check_object_tags(from_document(req.body.read_all()))
    versioning.set_tags(app, req, encode(tags) or None)
    return Response(200, versioning.version_header(app, record))


def get_object_tagging(app, req: Request) -> Response:
    record = versioning.require(app, req)
    return Response.xml(to_document(object_tags(record)), headers=versioning.version_header(app, record))


def delete_object_tagging(app, req: Request) -> Response:
    versioning.set_tags(app, req, None)
    return Response(204)


def bucket_tags(app, bucket: str) -> Tags:
    stored = app.configs.get(bucket, "tagging")
    return decode(stored.decode("utf-8")) if stored else []


def put_bucket_tagging(app, req: Request) -> Response:
    tags = check_bucket_tags(from_document(req.body.read_all()))
    app.configs.put(req.bucket, "tagging", encode(tags).encode("utf-8"))
    return Response(200)


def get_bucket_tagging(app, req: Request) -> Response:
    return Response.xml(to_document(bucket_tags(app, req.bucket)))


def delete_bucket_tagging(app, req: Request) -> Response:
    """`?tagging=k1,k2` removes only those keys; a bare `?tagging` removes every tag."""
    names = [n for n in req.param("tagging").split(",") if n]
    if not names:
        app.configs.delete(req.bucket, "tagging")
        return Response(204)
    kept = [(k, v) for k, v in bucket_tags(app, req.bucket) if k not in names]
    app.configs.put(req.bucket, "tagging", encode(kept).encode("utf-8"))
    return Response(204)
