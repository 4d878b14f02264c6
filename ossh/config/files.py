"""Reading the INI files that hold profiles: ossh's own, ossutil 2.0's, and osscmd's ~/.osscredentials.

Sections as ossutil 2.0 names them: `[default]` (or `[profile default]`), `[profile NAME]` and
`[buckets NAME]` (a profile's `buckets = NAME` gives the buckets listed there their own region,
endpoint or addressing style, one `bucket =` line then indented `key=value` lines each); ossutil
1.0's `[Credentials]` counts as the default profile of a file that has none; osscmd's
`[OSSCredentials]` (host, accessid, accesskey, sts_token) is read the same way. Other sections
(`[Bucket-Endpoint]`, ...) are left alone. A file is hostile input: a line that is neither
`[section]` nor `key = value` is an error naming the file and line, never the line's text (it may
be a pasted secret).
"""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass, field
from pathlib import Path

from .keys import ConfigError, check_value, key_named

PROFILE_NAME = re.compile(r"^[\w.@-]+$")


@dataclass
class Section:
    """One profile as a file states it: values by Settings field, checked only when the profile is used
    (a profile ossh cannot use, say with ossutil's RamRoleArn mode, must not stop the others)."""

    name: str
    path: Path
    values: dict[str, str] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return f"file:{self.name} {self.path}"

    def checked(self) -> dict[str, str]:
        """The values as ossh uses them, or ConfigError naming the file and profile."""
        where = f"{self.path} [{'default' if self.name == 'default' else 'profile ' + self.name}]"
        return {f: check_value(key_named(f), v, where) for f, v in self.values.items()}


def profile_of(section: str) -> str | None:
    """The profile a section header names, or None for sections that are not profiles."""
    words = section.split()
    if len(words) == 1 and words[0].lower() in ("default", "credentials", "osscredentials"):
        return words[0].lower()
    if len(words) == 2 and words[0].lower() == "profile":
        return words[1]
    return None


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _parse(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(
        strict=False, interpolation=None, delimiters=("=",), comment_prefixes=("#", ";"), default_section="\0"
    )
    parser.optionxform = str
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as e:
        raise ConfigError(f"{path}: {e.strerror}") from None
    try:
        parser.read_string(text, source=str(path))
    except configparser.MissingSectionHeaderError as e:
        raise ConfigError(f"{path}: line {e.lineno}: a setting before any [section]") from None
    except configparser.ParsingError as e:
        line = e.errors[0][0] if e.errors else "?"
        raise ConfigError(f"{path}: line {line}: not `key = value` or `[section]`") from None
    except configparser.Error as e:
        raise ConfigError(f"{path}: {str(e).splitlines()[0]}") from None
    return parser


BUCKET_KEYS = ("region", "endpoint", "addressing_style")


@dataclass
class BucketsSection:
    """A `[buckets NAME]` section: each bucket's lines as written, read when a profile uses the section."""

    name: str
    path: Path
    raw: dict[str, str] = field(default_factory=dict)

    def entries(self) -> dict[str, dict[str, str]]:
        """For each bucket, the keys it sets (region, endpoint, addressing_style); ConfigError when a line
        is not `key=value`."""
        found = {}
        for bucket, text in self.raw.items():
            values = {}
            for line in filter(None, (line.strip() for line in text.splitlines())):
                name, eq, value = (part.strip() for part in line.partition("="))
                if not eq or not value:
                    raise ConfigError(
                        f"{self.path} [buckets {self.name}] {bucket}: a line that is not key=value "
                        f"(one a line, indented under `{bucket} =`)"
                    )
                key = key_named(name)
                if key is not None and key.field in BUCKET_KEYS:
                    values[key.field] = _unquote(value)
            found[bucket] = values
        return found


def read_file(path: Path) -> dict[str, Section]:
    """The profiles a file defines, by lower-case name ({} when the file does not exist)."""
    return read_sections(path)[0]


def read_sections(path: Path) -> tuple[dict[str, Section], dict[str, BucketsSection]]:
    """The profiles and the buckets sections a file defines, by lower-case name."""
    if not path.is_file():
        return {}, {}
    parser = _parse(path)
    found: dict[str, Section] = {}
    bucket_sections: dict[str, BucketsSection] = {}
    legacy: Section | None = None
    for header in parser.sections():
        name = profile_of(header)
        words = header.split()
        if name is None and len(words) == 2 and words[0].lower() == "buckets":
            section = bucket_sections.setdefault(words[1].lower(), BucketsSection(words[1], path))
            section.raw.update(parser.items(header))
        if name is None:
            continue
        section = Section("default" if name in ("credentials", "osscredentials") else name, path)
        for option, raw in parser.items(header):
            key = key_named(option)
            if key is None:  # ossutil's other settings (loglevel, language, ...) are not ossh's
                continue
            value = _unquote(raw.strip())
            if value:
                section.values[key.field] = value
        if name in ("credentials", "osscredentials"):
            legacy = section
        else:
            found.setdefault(section.name.lower(), Section(section.name, path)).values.update(section.values)
    if legacy is not None and "default" not in found:
        found["default"] = legacy
    return found, bucket_sections


class Profiles:
    """Profiles from several files, the first file's section winning whole where two define one."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        self.sections: dict[str, Section] = {}
        self.bucket_sections: dict[str, BucketsSection] = {}
        for path in paths:
            profiles, bucket_sections = read_sections(path)
            for name, section in profiles.items():
                self.sections.setdefault(name, section)
            for name, buckets in bucket_sections.items():
                self.bucket_sections.setdefault(name, buckets)

    def names(self) -> list[str]:
        return sorted({s.name for s in self.sections.values()}, key=lambda n: (n != "default", n))

    def get(self, name: str) -> Section | None:
        return self.sections.get(name.lower())

    def require(self, name: str) -> Section:
        section = self.get(name)
        if section is None:
            known = ", ".join(self.names()) or "none"
            raise ConfigError(
                f"no profile named {name!r} (known profiles: {known}; "
                f"`ossh config list-profiles` shows where each is defined)"
            )
        return section

    def buckets(self, name: str, profile: str) -> BucketsSection:
        section = self.bucket_sections.get(name.lower())
        if section is None:
            raise ConfigError(f"profile {profile}: buckets = {name}, but no [buckets {name}] section")
        return section

    def chain(self, name: str) -> list[Section]:
        """The profile and those it inherits from through source_profile, nearest first."""
        chain = [self.require(name)]
        while "source_profile" in chain[-1].values:
            source = chain[-1].values["source_profile"]
            if any(s.name.lower() == source.lower() for s in chain):
                raise ConfigError(f"profile {name}: source_profile loops back to {source}")
            chain.append(self.require(source))
        return chain
