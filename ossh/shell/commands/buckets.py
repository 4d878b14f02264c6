"""Creating and removing buckets: mkbucket, rmbucket."""

from __future__ import annotations

import ossh.client as oss  # its parts load on first use: start-up stays light
from ossh.protocol import BUCKET_ACLS, STORAGE_CLASSES

from ..paths import RemotePath
from ..registry import HIDDEN, arg, command
from ..results import Message
from .common import bucket_arg, plural
from .versions import empty_bucket


@command(
    "mkbucket",
    "Create a bucket.",
    "mkbucket photos --acl public-read --storage-class IA",
    arg("name", metavar="NAME"),
    arg("--acl", choices=BUCKET_ACLS, metavar="ACL", help="who may read and write: " + ", ".join(BUCKET_ACLS)),
    arg("--region", help="where the bucket lives (the endpoint's region by default)"),
    arg("--location", dest="region", help=HIDDEN),
    arg(
        "--storage-class",
        choices=STORAGE_CLASSES,
        metavar="CLASS",
        help="default class of its objects: " + ", ".join(STORAGE_CLASSES),
    ),
    complete=("bucket",),
)
def mkbucket(ctx, a):
    name = bucket_arg(a.name)
    # OSS answers 200 to creating a bucket one already owns; one GetBucketInfo first tells the two apart.
    # Any failure (no such bucket, someone else's) leaves the answer to the create itself.
    if _owned(ctx, name):
        return Message(
            f"oss://{name}/ already exists (left unchanged)", {"action": "mkbucket", "bucket": name, "existed": True}
        )
    ctx.client.create_bucket(name, acl=a.acl, storage_class=a.storage_class, region=a.region)
    ctx.changed(RemotePath(name))
    return Message(f"created oss://{name}/", {"action": "mkbucket", "bucket": name})


def _owned(ctx, name: str) -> bool:

    try:
        ctx.client.get_bucket_info(name)
        return True
    except oss.OssError:
        return False


@command(
    "rmbucket",
    "Remove a bucket (-f: delete its objects and abort its multipart uploads first).",
    "rmbucket -f scratch",
    arg("-f", action="store_true", help="empty the bucket first"),
    arg("name", metavar="NAME"),
    complete=("bucket",),
)
def rmbucket(ctx, a):
    name = bucket_arg(a.name)
    if a.f:
        n, noun = empty_bucket(ctx, name)
        aborted = 0
        for u in list(ctx.client.iter_uploads(name)):
            ctx.client.abort_multipart_upload(name, u.key, u.upload_id)
            aborted += 1
        if n or aborted:
            yield Message(
                f"removed {plural(n, noun)}, aborted {plural(aborted, 'upload')}",
                {"action": "empty", "bucket": name, f"{noun}s": n, "uploads": aborted},
            )
    ctx.client.delete_bucket(name)
    ctx.changed(RemotePath(name))
    if ctx.state.bucket == name:
        ctx.state.go(RemotePath())
    yield Message(f"removed oss://{name}/", {"action": "rmbucket", "bucket": name})
