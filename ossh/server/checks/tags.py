"""Tags as OSS spells and limits them: the `x-oss-tagging` header form, the `<Tagging>` document, the checks.

Limits as OSS states them: an object has at most 10 tags, keys of 1-128 and values of up to 256 characters
drawn from letters, digits, space and `+ - = . _ : /`; a bucket has at most 20 tags, keys of 1-64 bytes not
starting with `http://`, `https://` or `Aliyun`, values of up to 128 bytes (any characters).
"""

from __future__ import annotations

from urllib.parse import quote, unquote

from ossh.protocol import MAX_BUCKET_TAGS, MAX_OBJECT_TAGS

from ..wire.errors import OssServerError
from ..wire.xmlio import document, parse

_TAG_PUNCTUATION = set(" +-=._:/")
_BUCKET_KEY_PREFIXES = ("http://", "https://", "aliyun")

Tags = list[tuple[str, str]]


def _bad(message: str, **details) -> OssServerError:
    return OssServerError("InvalidTag", message, **details)


def object_charset(text: str) -> bool:
    return all(c.isalnum() or c in _TAG_PUNCTUATION for c in text)


def check_object_tags(tags: Tags) -> Tags:
    if len(tags) > MAX_OBJECT_TAGS:
        raise _bad(f"An object can have at most {MAX_OBJECT_TAGS} tags.")
    for key, value in tags:
        if not 1 <= len(key) <= 128:
            raise _bad("A tag key must be 1 to 128 characters long.", TagKey=key)
        if len(value) > 256:
            raise _bad("A tag value must be at most 256 characters long.", TagKey=key)
        if not object_charset(key) or not object_charset(value):
            raise _bad("Tag keys and values may hold only letters, digits, spaces and + - = . _ : /", TagKey=key)
    _no_duplicates(tags)
    return tags


def check_bucket_tags(tags: Tags) -> Tags:
    if len(tags) > MAX_BUCKET_TAGS:
        raise _bad(f"A bucket can have at most {MAX_BUCKET_TAGS} tags.")
    for key, value in tags:
        if not 1 <= len(key.encode("utf-8")) <= 64:
            raise _bad("A bucket tag key must be 1 to 64 bytes long.", TagKey=key)
        if key.lower().startswith(_BUCKET_KEY_PREFIXES):
            raise _bad("A bucket tag key must not start with http://, https:// or Aliyun.", TagKey=key)
        if len(value.encode("utf-8")) > 128:
            raise _bad("A bucket tag value must be at most 128 bytes long.", TagKey=key)
    _no_duplicates(tags)
    return tags


def _no_duplicates(tags: Tags) -> None:
    seen = set()
    for key, _ in tags:
        if key in seen:
            raise _bad("Tag keys must be unique.", TagKey=key)
        seen.add(key)


def decode(encoded: str) -> Tags:
    """`k1=v1&k2` (URL-encoded, as in x-oss-tagging) to pairs; a piece with two `=` is refused, as OSS does."""
    tags = []
    for piece in encoded.split("&") if encoded else []:
        if piece.count("=") > 1:
            raise _bad("x-oss-tagging must be key=value pairs joined by &.", ArgumentValue=encoded)
        key, _, value = piece.partition("=")
        try:
            tags.append((unquote(key, errors="strict"), unquote(value, errors="strict")))
        except UnicodeDecodeError:
            raise _bad("x-oss-tagging is not valid UTF-8 once URL-decoded.") from None
    return tags


def encode(tags: Tags) -> str:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in tags)


def from_header(value: str) -> str | None:
    """The stored form of an x-oss-tagging header (validated), None for no tags."""
    return encode(check_object_tags(decode(value))) or None


def from_document(body: bytes) -> Tags:
    doc = parse(body, "Tagging", force_list=("Tag",))
    tag_set = doc.get("TagSet")
    if "TagSet" not in doc or not isinstance(tag_set, (dict, type(None))):
        raise OssServerError("MalformedXML", "A Tagging document needs a TagSet.")
    tags = []
    for tag in (tag_set or {}).get("Tag") or []:
        key = tag.get("Key") if isinstance(tag, dict) else None
        value = tag.get("Value") if isinstance(tag, dict) else None
        if not isinstance(key, str) or not isinstance(value, (str, type(None))):
            raise OssServerError("MalformedXML", "Every Tag needs a Key and at most one Value.")
        tags.append((key, value or ""))
    return tags


def to_document(tags: Tags) -> bytes:
    return document("Tagging", [("TagSet", [("Tag", [("Key", k), ("Value", v)]) for k, v in tags])])
