"""Bucket information and configurations, and tags: `bucket info|stat`, `bucket cors|lifecycle|policy|website|
referer|encryption|logging|request-payment|public-access-block [BUCKET] [get|set FILE|rm]`, `tag`.

Configuration documents travel whole: `get` prints the document the server holds (pipe it to a file, edit,
`set` it back); `set FILE` sends an XML file, or a JSON one (the policy is JSON; for the others a JSON object
is turned into the XML document, with or without the root name, as ossutil 2.0 accepts them).
"""

from __future__ import annotations

import json
import re

import ossh.client as oss  # its parts load on first use: start-up stays light

from ..paths import RemotePath
from ..registry import CommandError, UsageError, arg, command
from ..results import Column, Message, Record, Stream, Table
from .common import in_bucket

# shell name -> sub-resource
CONFIG_NAMES = {
    "cors": "cors",
    "lifecycle": "lifecycle",
    "policy": "policy",
    "website": "website",
    "referer": "referer",
    "encryption": "encryption",
    "logging": "logging",
    "request-payment": "requestPayment",
    "public-access-block": "publicAccessBlock",
}
ACTIONS = ("get", "set", "rm")


def _bucket(ctx, text: str | None) -> str:
    return in_bucket(ctx, text or "").bucket


def parse_tags(pairs: list[str]) -> list[tuple[str, str]]:
    """k=v words (a bare k is an empty value) in order; a key given twice is a usage error."""
    tags, seen = [], set()
    for pair in pairs:
        key, _, value = pair.partition("=")
        if not key:
            raise UsageError(f"{pair!r}: a tag is KEY=VALUE with a non-empty KEY")
        if key in seen:
            raise UsageError(f"tag {key!r} given twice")
        seen.add(key)
        tags.append((key, value))
    return tags


@command(
    "bucket info",
    "Show a bucket's information: region, endpoints, ACL, versioning, encryption, comment.",
    "bucket info photos",
    arg("bucket", nargs="?", metavar="BUCKET"),
    complete=("bucket",),
)
def bucket_info(ctx, a):
    name = _bucket(ctx, a.bucket)
    info = ctx.client.get_bucket_info_fields(name)
    acl = info.get("AccessControlList") or {}
    sse = info.get("ServerSideEncryptionRule") or {}
    owner = info.get("Owner") or {}
    return Record(
        [
            ("Bucket", info.get("Name")),
            ("Region", info.get("Region")),
            ("Location", info.get("Location")),
            ("Created", info.get("CreationDate")),
            ("Storage-Class", info.get("StorageClass")),
            ("Redundancy", info.get("DataRedundancyType")),
            ("ACL", acl.get("Grant")),
            ("Owner", owner.get("ID")),
            ("Versioning", info.get("Versioning") or "off"),
            ("Encryption", sse.get("SSEAlgorithm") or "None"),
            ("Block-Public-Access", info.get("BlockPublicAccess") or "false"),
            ("Extranet-Endpoint", info.get("ExtranetEndpoint")),
            ("Intranet-Endpoint", info.get("IntranetEndpoint")),
            ("Comment", info.get("Comment") or ""),
        ]
    )


@command(
    "bucket stat",
    "Show a bucket's storage and object counts, in total and by storage class.",
    "bucket stat photos",
    arg("bucket", nargs="?", metavar="BUCKET"),
    complete=("bucket",),
)
def bucket_stat(ctx, a):
    name = _bucket(ctx, a.bucket)
    stat = ctx.client.get_bucket_stat(name)
    # OSS's element names as labels like the other records' (ObjectCount -> Object-Count, JSON object_count)
    return Record([("Bucket", name), *((re.sub(r"(?<=[a-z])(?=[A-Z])", "-", k), v) for k, v in stat.items())])


def _document(ctx, name: str, path: str) -> bytes:
    local = ctx.state.local(path)
    try:
        with open(local, "rb") as f:
            data = f.read()
    except OSError as exc:
        raise CommandError(f"{path}: {exc.strerror or exc}") from None
    if name == "policy" or not data.lstrip().startswith(b"{"):
        return data
    return json_to_xml(name, data, path)


def json_to_xml(name: str, data: bytes, path: str = "-") -> bytes:
    """A configuration written as JSON ({"CORSConfiguration": {...}} or just its content) as its XML document."""
    import xmltodict

    root = oss.api_config.CONFIGS[name]
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CommandError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise CommandError(f"{path}: a configuration is a JSON object")
    if list(doc) != [root]:
        doc = {root: doc}
    try:
        return xmltodict.unparse(_as_text(doc)).encode("utf-8")
    except ValueError as exc:
        raise CommandError(f"{path}: cannot be written as XML ({exc})") from None


def _as_text(node):
    """JSON values as XML text: true/false in lower case, numbers as written."""
    if isinstance(node, dict):
        return {k: _as_text(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_as_text(v) for v in node]
    if isinstance(node, bool):
        return "true" if node else "false"
    return node


def _config_command(shell_name: str, sub: str) -> None:
    @command(
        f"bucket {shell_name}",
        f"Show (get, the default), replace (set FILE: XML or JSON) or remove (rm) a bucket's {shell_name} "
        "configuration.",
        f"bucket {shell_name} photos set {shell_name}.{'json' if sub == 'policy' else 'xml'}",
        arg("words", nargs="*", metavar="WORD"),
        complete=("bucket", ACTIONS, "local"),
        usage="[BUCKET] [get|set FILE|rm]",
    )
    def run(ctx, a):
        words = list(a.words)
        bucket = None if not words or words[0] in ACTIONS else words.pop(0)
        action = words.pop(0) if words else "get"
        if action not in ACTIONS:
            raise UsageError(f"{action!r}: the action is get, set FILE or rm")
        if (action == "set") != (len(words) == 1) or len(words) > 1:
            raise UsageError("set takes one FILE; get and rm take nothing more")
        name = _bucket(ctx, bucket)
        uri = RemotePath(name).uri()
        if action == "get":
            return Stream([_with_newline(ctx.client.get_bucket_config(name, sub))])
        if action == "rm":
            ctx.client.delete_bucket_config(name, sub)
            return Message(
                f"removed the {shell_name} configuration of {uri}",
                {"action": "rm", "bucket": name, "config": shell_name},
            )
        ctx.client.put_bucket_config(name, sub, _document(ctx, sub, words[0]))
        return Message(
            f"set the {shell_name} configuration of {uri} from {words[0]}",
            {"action": "set", "bucket": name, "config": shell_name, "local": words[0]},
        )


def _with_newline(doc: bytes) -> bytes:
    return doc if doc.endswith(b"\n") else doc + b"\n"


for _shell_name, _sub in CONFIG_NAMES.items():
    _config_command(_shell_name, _sub)


@command(
    "tag",
    "Show (PATH alone), set (PATH KEY=VALUE...) or remove (--rm PATH) the tags of an object or "
    "a bucket (oss://BUCKET/).",
    "tag report.pdf project=apollo stage=final",
    arg("--rm", action="store_true", help="remove every tag"),
    arg("path", metavar="PATH"),
    arg("tags", nargs="*", metavar="KEY=VALUE"),
    complete=("remote",),
)
def tag(ctx, a):
    path = in_bucket(ctx, a.path)
    if path.key and path.is_prefix:
        raise CommandError(f"{path.uri()}: is a prefix; tags belong to buckets and objects")
    c = ctx.client
    on_bucket = not path.key
    if a.rm:
        if a.tags:
            raise UsageError("--rm takes only PATH")
        c.delete_bucket_tagging(path.bucket) if on_bucket else c.delete_object_tagging(path.bucket, path.key)
        return Message(f"removed the tags of {path.uri()}", {"action": "untag", "uri": path.uri()})
    if a.tags:
        tags = parse_tags(a.tags)
        if on_bucket:
            c.put_bucket_tagging(path.bucket, tags)
        else:
            c.put_object_tagging(path.bucket, path.key, tags)
        return Message(
            f"tagged {path.uri()}: " + ", ".join(f"{k}={v}" for k, v in tags),
            {"action": "tag", "uri": path.uri(), "tags": dict(tags)},
        )
    tags = c.get_bucket_tagging(path.bucket) if on_bucket else c.get_object_tagging(path.bucket, path.key)
    return Table([Column("key", "KEY"), Column("value", "VALUE")], [{"key": k, "value": v} for k, v in tags])
