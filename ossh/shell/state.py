"""Where the shell is (bucket, prefix, previous location, local directory) and its settings,
plus the Context that commands receive: state, a lazily created client, the listing cache, the Environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ossh.environment import Environment

from .paths import RemotePath, expand_home, local_path, resolve
from .progress import no_progress

FORMATS = ("text", "json")


@dataclass
class ShellState:
    bucket: str | None = None
    prefix: str = ""
    previous: RemotePath | None = None
    local_cwd: str = field(default_factory=os.getcwd)
    home: str | None = None  # what ~ stands for (None: the process's $HOME)
    format: str = "text"
    last_result: str = ""

    @property
    def location(self) -> RemotePath:
        return RemotePath(self.bucket, self.prefix)

    def go(self, target: RemotePath) -> None:
        """Move to a bucket/prefix, remembering where we were for `cd -`."""
        here = self.location
        target = target.as_prefix() if target.bucket else RemotePath()
        self.bucket, self.prefix = target.bucket, target.key
        self.previous = here

    def prompt(self) -> str:
        return f"{self.location.uri()}>"

    def resolve(self, text: str) -> RemotePath:
        return resolve(text, self.bucket, self.prefix)

    def local(self, text: str) -> str:
        return local_path(text, self.local_cwd, self.home)

    def expand(self, text: str) -> str:
        """text with a leading ~ expanded (relative paths stay relative)."""
        return expand_home(text, self.home)


def _no(question: str) -> bool:
    return False


def _ignore(text: str) -> None:
    return None


@dataclass
class Context:
    """What a command runs with. Side effects come in through these fields so tests can swap them."""

    state: ShellState
    client_factory: Callable[[], Any]
    cache: Any = None  # completion.ListingCache, dropped per prefix on change
    interactive: bool = False
    confirm: Callable[[str], bool] = _no  # asks a yes/no question (interactive only)
    progress: Callable[[str, int | None], Any] = no_progress  # -> context manager of progress(done, total)
    stdin: Any = None  # binary stream for `put -` (None: env's standard input)
    endpoint_label: str = ""
    checkpoints: str | None = None  # directory of resumable transfer records (None: not resumable)
    embedded: bool = False  # the client talks to a server this process started
    warn: Callable[[str], None] = _ignore  # a warning about the running command (the Executor sets it)
    profile: str = "default"
    accounts: Any = None  # ossh.config.Accounts: profiles for `config` and `profile`
    connect: Callable[[Any], Any] | None = None  # Settings -> client factory (cli: starts what it needs)
    env: Environment = field(default_factory=Environment)  # streams, variables, XDG directories, clock
    _client: Any = None

    @property
    def client(self):
        if self._client is None:
            self._client = self.client_factory()
        return self._client

    def switch(self, settings) -> None:
        """Use another account: a new client on first use, the location back to oss://, no cached listings."""
        factory = self.connect(settings)
        self.client_factory, self._client = factory, None
        self.profile, self.embedded = settings.profile, settings.embedded
        self.endpoint_label = getattr(factory, "label", settings.endpoint or "")
        self.state.bucket, self.state.prefix, self.state.previous = None, "", None
        if self.cache is not None:
            self.cache.clear()  # another account sees other buckets

    def binary_stdin(self):
        return self.stdin if self.stdin is not None else self.env.stdin_binary

    def changed(self, path: RemotePath) -> None:
        """A command created/removed something at path: drop cached listings that show it."""
        if self.cache is not None:
            self.cache.invalidate(path)
