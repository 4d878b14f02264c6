"""Resolving the effective settings from flags, environment, profiles and ~/.osscredentials (see the
package docstring for the order)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .dirs import config_dir, expand_home, home_dir
from .files import Profiles, read_file
from .keys import BY_FIELD, CREDENTIALS, KEYS, ConfigError, check_value

ENV = {k.field: k.env for k in KEYS if k.env}
PROFILE_ENV = "OSSUTIL_PROFILE"
CONFIG_FILE_ENV = "OSSUTIL_CONFIG_FILE"
EMBEDDED = "embedded server"


@dataclass
class Settings:
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    access_key_secret: str | None = None
    security_token: str | None = None
    sign_version: str | None = None
    addressing_style: str | None = None
    connect_timeout: str | None = None
    read_timeout: str | None = None
    retry_times: str | None = None
    output_format: str | None = None
    buckets: str | None = None  # the [buckets NAME] section in use
    bucket_endpoints: dict[str, tuple[str, str | None, str]] = field(default_factory=dict)  # bucket -> endpoint,
    profile: str = "default"  # region, addressing
    origins: dict[str, str] = field(default_factory=dict)  # field -> "flag --x" | "env X" | "file:P PATH" | ...
    notes: list[str] = field(default_factory=list)  # one-line remarks for stderr

    @property
    def embedded(self) -> bool:
        """Nothing configured: ossh runs its own server."""
        return not self.endpoint

    def client_options(self) -> dict:
        """Keyword arguments for OssClient beyond endpoint and credentials."""
        options = {"region": self.region, "security_token": self.security_token}
        if self.sign_version:
            options["signature_version"] = self.sign_version
        if self.addressing_style:
            options["addressing"] = self.addressing_style
        for name, option in (
            ("connect_timeout", "connect_timeout"),
            ("read_timeout", "read_timeout"),
            ("retry_times", "max_retries"),
        ):
            if getattr(self, name):
                options[option] = int(getattr(self, name))
        return options

    def configure(self, client):
        """The client with the buckets of the [buckets NAME] section sent to their own endpoints."""
        for bucket, (endpoint, region, addressing) in self.bucket_endpoints.items():
            client.use_endpoint(bucket, endpoint, region, addressing)
        return client

    def __repr__(self) -> str:  # the secret and token never reach logs or tracebacks
        return (
            f"Settings(endpoint={self.endpoint!r}, region={self.region!r}, "
            f"access_key_id={self.access_key_id!r}, profile={self.profile!r})"
        )


@dataclass
class Sources:
    """Which files hold profiles, which one ossh writes, and which profile is asked for."""

    files: list[Path]
    target: Path  # where `ossh config` writes
    own_target: bool  # target is ossh's own file (its directory is kept 0700)
    osscredentials: Path
    profile: str | None  # named explicitly (flag or $OSSUTIL_PROFILE), else None
    profile_origin: str = ""

    @classmethod
    def find(cls, flags: Mapping[str, str | None], env: Mapping[str, str] = os.environ) -> Sources:
        own = config_dir(env) / "config"
        ossutil = expand_home(env.get(CONFIG_FILE_ENV) or home_dir(env) / ".ossutilconfig", env)
        chosen = flags.get("config_file")
        if chosen:
            target = expand_home(chosen, env)
            files, own_target = [target], False
        else:
            files, target, own_target = [own, ossutil], own, True
        profile, origin = flags.get("profile"), "flag --profile"
        if not profile and env.get(PROFILE_ENV):
            profile, origin = env[PROFILE_ENV], f"env {PROFILE_ENV}"
        return cls(files, target, own_target, home_dir(env) / ".osscredentials", profile or None, origin)

    def profiles(self) -> Profiles:
        return Profiles(self.files)


def resolve(
    flags: Mapping[str, str | None], env: Mapping[str, str] = os.environ, sources: Sources | None = None
) -> Settings:
    """The effective settings; ConfigError for an unknown profile or an unusable file."""
    sources = sources or Sources.find(flags, env)
    named = sources.profile
    profiles = sources.profiles()
    given = {f: v for f, v in flags.items() if f in BY_FIELD and v}
    layers: list[tuple[str, dict[str, str]]] = [  # (origin, values), nearest first
        ("flag", {f: check_value(BY_FIELD[f], v, BY_FIELD[f].flag or f) for f, v in given.items()})
    ]
    env_values = {f: env[var] for f, var in ENV.items() if env.get(var)}
    settings = Settings(profile=named or "default")
    if named:
        chain = profiles.chain(named)
        ignored = [ENV[f] for f in CREDENTIALS if f in env_values]
        if ignored:
            settings.notes.append(
                f"profile {named} brings its own credentials; ignoring {', '.join(ignored)} from the environment"
            )
        env_values = {f: v for f, v in env_values.items() if f not in CREDENTIALS}
    else:
        chain = profiles.chain("default") if profiles.get("default") else []
    layers.append(("env", env_values))
    for section in chain:
        layers.append((section.origin, section.checked()))
    if not named:
        for section in read_file(sources.osscredentials).values():
            layers.append((f"osscredentials {section.path}", section.checked()))
            break

    for key in KEYS:
        if not hasattr(settings, key.field):
            continue
        for origin, values in layers:
            if key.field in CREDENTIALS and values.get("mode", "").lower() == "anonymous":
                break  # this profile asks for no credentials at all
            if key.field in values:
                setattr(settings, key.field, values[key.field])
                settings.origins[key.field] = _label(origin, key)
                break
    if settings.buckets:
        settings.bucket_endpoints = _bucket_endpoints(settings, profiles)
    return settings


def _bucket_endpoints(settings: Settings, profiles: Profiles) -> dict[str, tuple[str, str | None, str]]:
    """Where each bucket of the profile's [buckets NAME] section is addressed. As in ossutil, a bucket's
    region defaults to the profile's, and a bucket given only a region gets that region's public endpoint."""
    section = profiles.buckets(settings.buckets, settings.profile)
    where = f"{section.path} [buckets {section.name}]"
    found = {}
    for bucket, values in section.entries().items():
        values = {f: check_value(BY_FIELD[f], v, f"{where} {bucket}") for f, v in values.items()}
        region = values.get("region") or settings.region
        endpoint = values.get("endpoint") or (f"oss-{region}.aliyuncs.com" if "region" in values else settings.endpoint)
        if not endpoint:
            raise ConfigError(f"{where} {bucket}: no endpoint (give the bucket an endpoint or a region)")
        found[bucket] = (endpoint, region, values.get("addressing_style") or settings.addressing_style or "auto")
    return found


def _label(origin: str, key) -> str:
    if origin == "flag":
        return f"flag {key.flag}"
    if origin == "env":
        return f"env {key.env}"
    return origin


class Accounts:
    """What the command line asked for (flags, environment): resolves the settings of the profile it
    names, or of another profile when the shell switches (`profile NAME`), with the same flags."""

    def __init__(self, flags: Mapping[str, str | None], env: Mapping[str, str] = os.environ):
        self.flags = dict(flags)
        self.env = env
        self.sources = Sources.find(self.flags, env)
        self.current: str | None = None  # the profile the shell switched to (`profile NAME`)

    def resolve(self, profile: str | None = None) -> Settings:
        """The settings of profile, else of the one switched to, else of the one the command line names."""
        sources = self.sources
        profile = profile or self.current
        if profile is not None:
            sources = Sources(
                sources.files, sources.target, sources.own_target, sources.osscredentials, profile, "shell"
            )
        return resolve(self.flags, self.env, sources)

    def profiles(self) -> Profiles:
        return self.sources.profiles()

    def profile_origin(self, profile: str | None = None) -> str:
        """Where the profile in use was chosen, as `config show` reports it."""
        if profile:
            return "flag --profile"
        if self.current:
            return "shell (profile NAME)"
        return self.sources.profile_origin if self.sources.profile else "default"
