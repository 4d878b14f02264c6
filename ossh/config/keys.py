"""The settings ossh knows, each under every spelling ossutil 2.0 accepts, with its flag and variable.

ossutil 2.0 reads a key case-insensitively in camelCase, kebab-case, snake_case or all lower case
(`accessKeyID`, `access-key-id`, `access_key_id`, `accesskeyid`): dropping case, `-` and `_` gives one
normal form per key, which is all the lookup needs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ConfigError(Exception):
    """A configuration that cannot be used: one line saying what is wrong and what to do (exit status 2)."""


@dataclass(frozen=True)
class Key:
    field: str  # the Settings attribute
    spelling: str  # how ossh writes it into a file (ossutil 2.0's documented form)
    aliases: tuple[str, ...] = ()  # other names, in normal form (osscmd's, the SDKs')
    flag: str | None = None  # the ossh option that sets it
    env: str | None = None  # the environment variable that sets it
    secret: bool = False  # never printed whole
    choices: tuple[str, ...] = ()
    number: bool = False


KEYS = (
    Key("endpoint", "endpoint", ("host",), "--endpoint", "OSS_ENDPOINT"),
    Key("region", "region", ("regionid",), "--region", "OSS_REGION"),
    Key("access_key_id", "accessKeyID", ("accessid",), "--access-key-id", "OSS_ACCESS_KEY_ID"),
    Key(
        "access_key_secret",
        "accessKeySecret",
        ("accesskey",),
        "--access-key-secret",
        "OSS_ACCESS_KEY_SECRET",
        secret=True,
    ),
    Key(
        "security_token", "stsToken", ("securitytoken", "sessiontoken"), "--sts-token", "OSS_SESSION_TOKEN", secret=True
    ),
    Key("sign_version", "signVersion", (), "--sign-version", choices=("v1", "v4")),
    Key("addressing_style", "addressingStyle", (), "--addressing-style", choices=("virtual", "path")),
    Key("connect_timeout", "connectTimeout", (), number=True),
    Key("read_timeout", "readTimeout", (), number=True),
    Key("retry_times", "retryTimes", (), number=True),
    Key("output_format", "outputFormat", ("format",), choices=("text", "json")),
    Key("source_profile", "sourceProfile"),
    Key("buckets", "buckets"),  # the [buckets NAME] section giving some buckets their endpoint
    Key("mode", "mode"),
)
CREDENTIALS = ("access_key_id", "access_key_secret", "security_token")
# ossutil's authentication modes that ossh can honour (the others fetch credentials from elsewhere)
MODES = {"ak": "ak", "ststoken": "ststoken", "anonymous": "anonymous"}


def normal(name: str) -> str:
    """The one form every spelling of a key shares."""
    return name.replace("-", "").replace("_", "").lower()


_BY_NAME = {normal(n): k for k in KEYS for n in (k.field, k.spelling, *k.aliases)}
BY_FIELD = {k.field: k for k in KEYS}


def key_named(name: str) -> Key | None:
    """The Key a file, `config get` or `config set` names, under any spelling; None when unknown."""
    return _BY_NAME.get(normal(name))


def known_names() -> str:
    return ", ".join(k.spelling for k in KEYS)


def check_value(key: Key, value: str, where: str) -> str:
    """The value as ossh uses it, or ConfigError naming where it came from."""
    if CONTROL.search(value):
        raise ConfigError(f"{where}: {key.spelling} contains a control character")
    if key.field == "output_format":
        # ossutil's raw, yaml and xml are its own output formats: ossh prints text for all of them
        return "json" if value.lower() == "json" else "text"
    if key.choices:
        lowered = value.lower()
        if key.field == "addressing_style" and lowered == "cname":
            raise ConfigError(f"{where}: addressing style cname is not supported by ossh (use virtual or path)")
        if lowered not in key.choices:
            raise ConfigError(f"{where}: {key.spelling} must be one of {', '.join(key.choices)}, not {value!r}")
        return lowered
    if key.number and not value.isdigit():
        raise ConfigError(f"{where}: {key.spelling} must be a whole number of seconds or times, not {value!r}")
    if key.field == "mode" and normal(value) not in MODES:
        raise ConfigError(f"{where}: mode {value} is not supported by ossh (use AK, StsToken or Anonymous)")
    return value


HIDDEN_VALUE = "****"  # what is shown, or kept in the shell's history, instead of a secret


def mask(value: str | None) -> str:
    """A secret as it may be shown: at most its first and last two characters."""
    if not value:
        return ""
    if len(value) < 12:  # too short to show any of it safely
        return HIDDEN_VALUE
    return f"{value[:2]}{HIDDEN_VALUE}{value[-2:]}"
