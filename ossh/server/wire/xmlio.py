"""XML in and out for the embedded server: OSS-shaped response documents and bounded request parsing."""

from __future__ import annotations

import re
import time
from xml.parsers import expat
from xml.parsers.expat import ExpatError
from xml.sax.saxutils import escape

import xmltodict

from ossh.client.xmlparse import NOT_XML_CHAR

from .errors import OssServerError

MAX_XML = 5 << 20  # 1000 keys of 1023 bytes or 10,000 parts fit well under this
MAX_DEPTH = 32  # OSS request documents nest four or five levels deep


def iso_time(ts: float) -> str:
    """`2015-02-02T05:15:13.000Z`: oss2 insists on the literal `.000Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))


def quoted_etag(etag: str) -> str:
    """ETags go out quoted, in headers and XML alike."""
    return f'"{etag}"'


def _render(tag: str, value, out: list[str]) -> None:
    if value is None:
        out.append(f"<{tag}/>")
    elif isinstance(value, list):
        out.append(f"<{tag}>")
        for child_tag, child in value:
            _render(child_tag, child, out)
        out.append(f"</{tag}>")
    else:
        if isinstance(value, bool):
            value = "true" if value else "false"
        out.append(f"<{tag}>{escape(str(value))}</{tag}>")


def document(tag: str, children: list[tuple[str, object]]) -> bytes:
    """`children` is a list of (tag, value); a value that is a list nests, None renders empty."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _render(tag, children, out)
    return "".join(out).encode("utf-8")


def parse(body: bytes, root: str, force_list: tuple[str, ...] = ()) -> dict:
    """The children of `root` as a dict; anything unparsable or of another shape is MalformedXML.

    Values come back exactly as sent: no whitespace is stripped (keys such as "trail-space " and " lead" are
    real), raw CRs are not turned into LFs, and character references to characters XML 1.0 cannot carry
    are honoured (see _stand_ins). Whitespace-only text between child elements is layout and is dropped."""
    if len(body) > MAX_XML:
        raise OssServerError("MalformedXML", "The XML you provided is too large.")
    body, table = _stand_ins(body)
    _screen(body)  # after the stand-ins: a reference to a control character is not an error there
    try:
        doc = xmltodict.parse(body, force_list=force_list, disable_entities=True, strip_whitespace=False)
    except (ExpatError, ValueError) as exc:
        raise OssServerError("MalformedXML") from exc
    if not isinstance(doc, dict) or root not in doc:
        raise OssServerError("MalformedXML")
    content = _exact(doc[root], table)
    return content if isinstance(content, dict) else {}


# Keys may hold characters XML 1.0 cannot carry (C0 controls but TAB/LF/CR, U+FFFE, U+FFFF), even as character
# references; the official SDKs send them as references all the same (alibabacloud-oss-v2 writes ESC as `&#27;`),
# so OSS reads them. A parser would also turn a raw CR (oss2 sends one unescaped) into LF, deleting "a\nb" when
# "a\rb" was named. So inside the root element such references and raw CRs are swapped for private-use
# characters that occur nowhere in the document, and _exact swaps them back in the parsed values. A raw
# control character stays what XML makes it: a document that is not well-formed (MalformedXML).
_XML_SPACE = " \t\r\n"
_REF = re.compile(r"&#(?:x[0-9A-Fa-f]{1,8}|[0-9]{1,10});")
# Markup, which is not character data. A construct left open runs into _CLOSE_ALL, appended for the split and
# taken off after it, so that no pattern scans to the end of the text and fails (quadratic on hostile input).
_MARKUP = re.compile(r"(<!\[CDATA\[.*?\]\]>|<!--.*?-->|<\?.*?\?>|<[^>]*>)", re.S)
_CLOSE_ALL = "?>-->]]>"
_DECLARED = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_PRIVATE_USE = (range(0xE000, 0xF900), range(0xF0000, 0xFFFFE), range(0x100000, 0x10FFFE))


def _ref_char(ref: str) -> str | None:
    """The character `&#...;` names, None for none (the parser refuses those)."""
    code = int(ref[3:-1], 16) if ref[2] == "x" else int(ref[2:-1])
    return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else None


def _stand_ins(body: bytes) -> tuple[bytes, dict[int, str]]:
    """(body to parse, {stand-in code point: real character}); the body unchanged when nothing needs one."""
    if b"\r" not in body and b"&#" not in body:
        return body, {}
    declared = _DECLARED.match(body)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return body, {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body, {}  # the parser says what is wrong with it
    refs = {ref: _ref_char(ref) for ref in set(_REF.findall(text))}
    needed = {c for c in refs.values() if c and NOT_XML_CHAR.match(c)} | ({"\r"} & set(text))
    if not needed:
        return body, {}
    used = set(text).union(refs.values())
    free = (chr(cp) for r in _PRIVATE_USE for cp in r if chr(cp) not in used)
    stand_in = {c: next(free, None) for c in sorted(needed)}
    if None in stand_in.values():
        raise OssServerError("MalformedXML")

    swap = {ref: stand_in.get(c, ref) for ref, c in refs.items()}

    def swap_ref(m: re.Match) -> str:
        return swap[m.group(0)]

    cr = stand_in.get("\r", "\r")
    parts = _MARKUP.split(text + _CLOSE_ALL)  # character data at even indices, markup at odd ones
    tags = [i for i in range(1, len(parts), 2) if parts[i][1:2] not in ("!", "?")]
    first, last = (tags[0], tags[-1]) if tags else (0, 0)
    for i in range(first + 1, last):  # inside the root element, the only place character data can be
        part = parts[i]
        if i % 2 == 0:
            parts[i] = _REF.sub(swap_ref, part).replace("\r", cr) if "&#" in part else part.replace("\r", cr)
        elif part.startswith("<![CDATA["):
            parts[i] = part.replace("\r", cr)
    out = "".join(parts)[: -len(_CLOSE_ALL)]
    return out.encode("utf-8"), {ord(s): c for c, s in stand_in.items()}


def _exact(node, table: dict[int, str]):
    """Stand-ins back to the characters they replaced; layout whitespace between child elements dropped."""
    if isinstance(node, str):
        return node.translate(table) if table else node
    if isinstance(node, list):
        return [_exact(n, table) for n in node]
    if isinstance(node, dict):
        out = {k: _exact(v, table) for k, v in node.items()}
        text = out.get("#text")
        if isinstance(text, str) and not text.strip(_XML_SPACE) and any(k[0] not in "@#" for k in out):
            del out["#text"]
        return out
    return node


class _Refused(Exception):
    pass


def _refuse(*_args) -> None:
    raise _Refused("document type declarations are not accepted")


def _screen(body: bytes) -> None:
    """Refuse, before the document is turned into values, what no OSS request needs and an attacker uses: a
    DTD (entity expansion such as billion laughs, external entities such as SYSTEM "file:///..."), nesting
    deeper than MAX_DEPTH, an encoding Python does not know. Done with expat itself, whatever xmltodict's
    version does with entities."""
    parser = expat.ParserCreate()
    depth = 0

    def start(_name, _attrs):
        nonlocal depth
        depth += 1
        if depth > MAX_DEPTH:
            raise _Refused(f"elements nest deeper than {MAX_DEPTH} levels")

    def end(_name):
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.StartDoctypeDeclHandler = parser.EntityDeclHandler = parser.ExternalEntityRefHandler = _refuse
    try:
        parser.Parse(body, True)
    except _Refused as exc:
        raise OssServerError("MalformedXML", f"The XML you provided is not accepted: {exc}.") from None
    except LookupError:
        raise OssServerError("MalformedXML", "The XML you provided declares an unknown encoding.") from None
    except (ExpatError, ValueError) as exc:
        raise OssServerError("MalformedXML") from exc


def owner(owner_id: str) -> list[tuple[str, str]]:
    return [("ID", owner_id), ("DisplayName", owner_id)]


def acl_policy(owner_id: str, grant: str) -> bytes:
    return document("AccessControlPolicy", [("Owner", owner(owner_id)), ("AccessControlList", [("Grant", grant)])])
