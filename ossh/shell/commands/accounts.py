"""Accounts: `config` (osscmd's `config --id --key --host`, ossutil 2.0's `config show|get|set|list-profiles`,
or questions asked one by one) and `profile` (list profiles, or switch account without leaving the shell).

Secrets are asked for without echo, written only into files of mode 0600, and shown at most as their
first and last two characters.
"""

from __future__ import annotations

from ossh.config import EMBEDDED, KEYS, ConfigError, key_named, mask
from ossh.config.keys import HIDDEN_VALUE
from ossh.config.write import check_profile_name, set_values

from ..registry import HIDDEN, UsageError, arg, command
from ..results import Column, Message, Table

ACTIONS = ("show", "get", "set", "list-profiles")
_SHOWN = (
    "endpoint",
    "region",
    "access_key_id",
    "access_key_secret",
    "security_token",
    "sign_version",
    "addressing_style",
    "connect_timeout",
    "read_timeout",
    "retry_times",
    "output_format",
)
_QUESTIONS = (
    ("access_key_id", "Access key id"),
    ("access_key_secret", "Access key secret"),
    ("security_token", "STS token (temporary credentials only)"),
    ("region", "Region"),
    ("endpoint", "Endpoint (none: the embedded server)"),
)


def _accounts(ctx):
    if ctx.accounts is None:
        raise UsageError("no configuration in this session")
    return ctx.accounts


def _usage(exc: ConfigError) -> UsageError:
    return UsageError(str(exc))


def _shown(key, value: str | None) -> str:
    if value is None:
        return ""
    return mask(value) if key.secret or key.field == "access_key_id" else value


def _ask(env, key, question: str, current: str | None) -> str | None:
    """One answer (None: keep the current value) read from env's stdin. Questions go to its stderr; on a
    terminal secrets are not echoed."""
    secret = key.secret
    hint = f" [{_shown(key, current)}]" if current else ""
    prompt = f"{question}{hint}: "
    if secret and env.stdin_isatty:
        import getpass

        try:
            answer = getpass.getpass(prompt, stream=env.stderr)
        except EOFError:
            answer = None
    else:
        env.stderr.write(prompt)
        env.stderr.flush()
        line = env.stdin.readline() if env.stdin is not None else ""
        answer = line.rstrip("\r\n") if line else None
        if secret or not line:
            env.stderr.write("\n")  # nothing echoed the answer: end the prompt's line
    if answer is None:
        raise UsageError("no answer (end of input)")
    return answer.strip() or None


def _profile_for(ctx, a) -> str:
    """The profile a config command reads or writes: its --profile, the one in use, else default."""
    accounts = _accounts(ctx)
    return a.profile or accounts.current or accounts.sources.profile or "default"


def _write(ctx, profile: str, values: dict) -> Message:
    for field, value in values.items():
        if value == HIDDEN_VALUE and key_named(field).secret:  # recalled from the history, which masks them
            raise UsageError(f"{HIDDEN_VALUE} is how the history keeps a secret: give the {field} itself")
    accounts = _accounts(ctx)
    target = accounts.sources.target
    try:
        set_values(target, profile, values, accounts.sources.own_target)
    except ConfigError as e:
        raise _usage(e) from None
    names = ", ".join(key_named(n).spelling for n in values)
    return Message(
        f"saved {names} in profile {profile} of {target}",
        {"action": "config", "profile": profile, "file": str(target), "keys": [key_named(n).spelling for n in values]},
    )


def _interactive(ctx, a):
    profile = _profile_for(ctx, a)
    try:
        section = _accounts(ctx).profiles().get(profile)
    except ConfigError as e:
        raise _usage(e) from None
    current = dict(section.values) if section else {}
    ctx.env.stderr.write(
        f"Configuring profile {profile} in {_accounts(ctx).sources.target} "
        "(Enter keeps the value shown in brackets, - removes it)\n"
    )
    answers = {}
    for field, question in _QUESTIONS:
        answer = _ask(ctx.env, key_named(field), question, current.get(field))
        if answer is not None:
            answers[field] = None if answer == "-" else answer
    if not answers:
        return Message("nothing changed", {"action": "config", "profile": profile, "keys": []})
    return _write(ctx, profile, answers)


def _show(ctx, a):
    accounts = _accounts(ctx)
    try:
        settings = accounts.resolve(a.profile)
    except ConfigError as e:
        raise _usage(e) from None
    rows = []
    for field in _SHOWN:
        key = key_named(field)
        value = getattr(settings, field)
        if value is None and field == "endpoint":
            value = EMBEDDED
        elif value is None and field not in ("region", "access_key_id", "access_key_secret"):
            continue  # the optional keys show only when set
        rows.append(
            {"key": key.spelling, "value": _shown(key, value), "source": settings.origins.get(field, "default")}
        )
    for bucket, (endpoint, region, addressing) in settings.bucket_endpoints.items():
        rows.append(
            {
                "key": f"bucket {bucket}",
                "value": f"{endpoint} ({region or 'no region'}, {addressing})",
                "source": f"[buckets {settings.buckets}] of {settings.origins['buckets']}",
            }
        )
    profile_source = accounts.profile_origin(a.profile)
    rows.insert(0, {"key": "profile", "value": settings.profile, "source": profile_source})
    files = [
        {"key": "file", "value": str(p), "source": "read" if p.is_file() else "absent"} for p in accounts.sources.files
    ]
    osscredentials = accounts.sources.osscredentials
    named = a.profile or accounts.current or accounts.sources.profile
    files.append(
        {
            "key": "file",
            "value": str(osscredentials),
            "source": "absent"
            if not osscredentials.is_file()
            else "not read (a profile is named)"
            if named
            else "read (last resort)",
        }
    )
    return Table(
        [Column("key", "KEY"), Column("value", "VALUE"), Column("source", "SOURCE")], rows + files, header=True
    )


def _get(ctx, a):
    key = _key(a.key)
    profile = _profile_for(ctx, a)
    try:
        section = _accounts(ctx).profiles().require(profile)
    except ConfigError as e:
        raise _usage(e) from None
    value = section.values.get(key.field)
    shown = _shown(key, value)
    return Message(shown, {"profile": profile, "key": key.spelling, "value": shown or None})


def _set(ctx, a):
    key = _key(a.key)
    profile = _profile_for(ctx, a)
    value = a.value
    if value is None:
        if not key.secret:
            raise UsageError(f"set {key.spelling} VALUE (an empty VALUE '' removes it)")
        value = _ask(ctx.env, key, key.spelling, None)
    return _write(ctx, profile, {key.field: value or None})


def _key(name: str | None):
    if not name:
        raise UsageError("which key? (" + ", ".join(k.spelling for k in KEYS) + ")")
    key = key_named(name)
    if key is None:
        raise UsageError(f"unknown key {name!r} (known: {', '.join(k.spelling for k in KEYS)})")
    return key


def profile_table(ctx, current: str | None = None) -> Table:
    try:
        profiles = _accounts(ctx).profiles()
    except ConfigError as e:
        raise _usage(e) from None
    rows = [
        {"current": "*" if current and name == current else "", "name": name, "file": str(profiles.get(name).path)}
        for name in profiles.names()
    ]
    columns = [Column("name", "PROFILE"), Column("file", "FILE")]
    if current is not None:
        columns.insert(0, Column("current", ""))
    return Table(columns, rows)


@command(
    "config",
    "Write or show the account settings (osscmd: config --id=ID --key=KEY [--host=HOST]).",
    "config --id=LTAI5t... --key=... --host=oss-cn-hangzhou.aliyuncs.com",
    arg("action", nargs="?", choices=ACTIONS, metavar="show|get|set|list-profiles"),
    arg("key", nargs="?", metavar="KEY"),
    arg("value", nargs="?", metavar="VALUE"),
    arg("--profile", metavar="NAME", help="the profile to write or show (default: the current one)"),
    # dests are the settings' fields: the history knows a secret option by its Key
    arg("--id", "--accessid", "--access-key-id", dest="access_key_id", metavar="ID", help=HIDDEN),
    arg("--key", "--accesskey", "--access-key-secret", dest="access_key_secret", metavar="KEY", help=HIDDEN),
    arg("--host", "--endpoint", dest="endpoint", metavar="HOST", help=HIDDEN),
    arg("--sts_token", "--sts-token", dest="security_token", metavar="TOKEN", help=HIDDEN),
    arg("--region", metavar="REGION", help=HIDDEN),
    complete=(ACTIONS, tuple(k.spelling for k in KEYS)),
)
def config(ctx, a):
    if a.profile:
        try:
            check_profile_name(a.profile)
        except ConfigError as e:
            raise _usage(e) from None
    fields = ("access_key_id", "access_key_secret", "endpoint", "security_token", "region")
    given = {f: getattr(a, f) or None for f in fields if getattr(a, f) is not None}  # `--host=` removes the host
    if given:
        if a.action is not None:
            raise UsageError(f"--id/--key/--host/--sts_token/--region write settings; not with {a.action}")
        if bool(given.get("access_key_id")) != bool(given.get("access_key_secret")) and (
            "access_key_id" in given or "access_key_secret" in given
        ):
            raise UsageError("give --id and --key together")
        return _write(ctx, _profile_for(ctx, a), given)
    if a.action is None:
        return _interactive(ctx, a)
    if a.action in ("show", "list-profiles") and a.key is not None:
        raise UsageError(f"{a.action} takes no KEY")
    if a.action != "set" and a.value is not None:
        raise UsageError(f"{a.action} takes no VALUE")
    if a.action == "list-profiles":
        return profile_table(ctx)
    return {"show": _show, "get": _get, "set": _set}[a.action](ctx, a)


@command(
    "profile",
    "List the profiles, or use another one (the location goes back to oss://).",
    "profile dev",
    arg("name", nargs="?", metavar="NAME"),
)
def profile(ctx, a):
    accounts = _accounts(ctx)
    if a.name is None:
        return profile_table(ctx, ctx.profile)
    if ctx.connect is None:
        raise UsageError("switching profiles is not possible here")
    try:
        settings = accounts.resolve(a.name)
    except ConfigError as e:
        raise _usage(e) from None
    ctx.switch(settings)
    accounts.current = a.name
    where = settings.endpoint or EMBEDDED
    return Message(
        [f"using profile {a.name} ({where})", *settings.notes],
        {"action": "profile", "profile": a.name, "endpoint": settings.endpoint},
    )
