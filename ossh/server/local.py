"""LocalServer: the embedded server on a background thread, and the accounts it accepts."""

from __future__ import annotations

import json
import os
import secrets
import string
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from ossh.protocol import DEFAULT_REGION

from .app import App
from .front import OssHTTPServer
from .ops import lifecycle_run
from .ops.restore import DEFAULT_RESTORE_DELAY
from .store.files import private_dir
from .store.space import Faults
from .store.store import Store, unavailable
from .wire.records import Account

CREDENTIALS_FILE = "credentials.json"
ACCOUNTS_FILE = "accounts.json"


def _generated_account(root: Path) -> tuple[Account, bool]:
    """The key pair kept (mode 0600) in the root, made on first use; True when just made. Published with
    link(2), which fails if the file exists, so two processes starting on one root agree on one pair."""
    path = root / CREDENTIALS_FILE
    if path.exists():
        return _read_credentials(path), False
    alphabet = string.ascii_letters + string.digits
    account = Account(
        "LTAI" + "".join(secrets.choice(alphabet) for _ in range(20)),
        "".join(secrets.choice(alphabet) for _ in range(30)),
    )
    tmp = path.with_name(f"{CREDENTIALS_FILE}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"access_key_id": account.access_key_id, "access_key_secret": account.access_key_secret}, f)
            f.flush()
            os.fsync(f.fileno())
        os.link(tmp, path)
    except FileExistsError:
        return _read_credentials(path), False
    finally:
        tmp.unlink(missing_ok=True)
    return account, True


def _read_credentials(path: Path) -> Account:
    data = json.loads(path.read_text())
    return Account(data["access_key_id"], data["access_key_secret"])


class AccountsError(ValueError):
    """An accounts file (or key set) that names its accounts' ids inconsistently."""


def read_accounts_file(path: Path) -> list[Account]:
    """`{"ak": "sk", ...}` or `[{"access_key_id": .., "access_key_secret": .., "security_token": ..,
    "id": ..}, ...]`: `id`, the account's numeric owner id, is optional (derived from the key id when
    absent); keys that give one id are one account."""
    data = json.loads(Path(path).read_text())
    if isinstance(data, dict):
        return [Account(k, v) for k, v in data.items()]
    return [Account(d["access_key_id"], d["access_key_secret"], d.get("security_token"), _owner_id(d)) for d in data]


def _owner_id(entry: dict) -> str:
    raw = entry.get("id")
    if raw is None:
        return ""
    text = str(raw)
    if isinstance(raw, bool) or not (text.isascii() and text.isdigit()) or len(text) > 32 or text[0] == "0":
        raise AccountsError(
            f"the id of {entry['access_key_id']!r} must be a numeric owner id (up to 32 digits, "
            f"no leading zero), not {text[:40]!r}"
        )
    return text


def _check_ids(accounts: list[Account]) -> None:
    """An access key id that is also another account's owner id would make owners ambiguous."""
    ids = {a.owner_id: a for a in accounts}
    for account in accounts:
        other = ids.get(account.access_key_id)
        if other is not None and other.owner_id != account.owner_id:
            raise AccountsError(
                f"the access key id {account.access_key_id!r} is also the owner id of another account; "
                "give that account another id"
            )


def resolve_accounts(
    root: Path, credentials: dict[str, str] | str | None, accounts_file: Path | None = None
) -> tuple[list[Account], Account | None, bool]:
    """Accounts in priority order (the first is primary), the root's own pair when it is one of them, and
    whether that pair was just generated. `credentials`: key pairs; "stored" for the root's own pair whatever
    the environment says; None for OSS_ACCESS_KEY_ID/SECRET when both are set (plus the root's pair if it
    already has one: it owns what the shell created there), else the root's own pair."""
    stored, generated = None, False
    if isinstance(credentials, str) and credentials != "stored":
        raise ValueError(f"credentials must be a dict, 'stored' or None, not {credentials!r}")
    if isinstance(credentials, dict) and credentials:
        accounts = [Account(k, v) for k, v in credentials.items()]
    elif credentials is None and os.environ.get("OSS_ACCESS_KEY_ID") and os.environ.get("OSS_ACCESS_KEY_SECRET"):
        accounts = [Account(os.environ["OSS_ACCESS_KEY_ID"], os.environ["OSS_ACCESS_KEY_SECRET"])]
        if (root / CREDENTIALS_FILE).exists():
            stored = _read_credentials(root / CREDENTIALS_FILE)
            accounts.append(stored)
    else:
        stored, generated = _generated_account(root)
        accounts = [stored]
    for extra in (root / ACCOUNTS_FILE, accounts_file):
        if extra is not None and Path(extra).exists():
            accounts += read_accounts_file(Path(extra))
    # One key id, one secret: the first (highest priority) mention wins.
    unique: dict[str, Account] = {}
    for account in accounts:
        unique.setdefault(account.access_key_id, account)
    if stored is not None and unique[stored.access_key_id] != stored:
        stored = None
    _check_ids(list(unique.values()))
    return list(unique.values()), stored, generated


class LocalServer:
    """`with LocalServer(root, port=0) as srv: srv.endpoint` — an OSS-compatible server on a thread."""

    def __init__(
        self,
        root,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: dict[str, str] | str | None = None,
        region: str = DEFAULT_REGION,
        accounts_file=None,
        durable: bool = True,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        restore_delay: float = DEFAULT_RESTORE_DELAY,
        lifecycle_interval: float | None = None,
    ):
        """`durable` False acknowledges writes before their directory and index are synced (benchmarks
        only); `faults` injects a full disk in tests (store.space.Faults); `clock` is the server's time
        (Date and Last-Modified, signature dates and expiry, restores, upload times): tests drive a fake one;
        `restore_delay` is the seconds from RestoreObject until a cold object is readable; every
        `lifecycle_interval` seconds (None: never) the buckets' lifecycle rules are applied."""
        self.root = Path(root)
        self.host = host
        self.port = port
        self.region = region
        self.durable = durable
        self.faults = faults
        self.clock = clock
        self.restore_delay = restore_delay
        self.lifecycle_interval = lifecycle_interval
        self._sweeping = threading.Event()  # set: the lifecycle thread stops
        self._sweeper: threading.Thread | None = None
        try:
            private_dir(self.root)
            self.accounts, self.stored_account, self.generated = resolve_accounts(self.root, credentials, accounts_file)
        except OSError as exc:
            if accounts_file is not None and getattr(exc, "filename", None) == str(accounts_file):
                raise
            raise unavailable(self.root, exc) from exc
        self.stored_path = self.root / CREDENTIALS_FILE
        self.store: Store | None = None
        self._httpd: OssHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def access_key_id(self) -> str:
        return self.accounts[0].access_key_id

    @property
    def owner_id(self) -> str:
        """The primary account's owner id: what listings and ACLs show as its Owner/ID."""
        return self.accounts[0].owner_id

    @property
    def access_key_secret(self) -> str:
        return self.accounts[0].access_key_secret

    @property
    def app(self) -> App | None:
        """The running server's App (its restore delay is what tests turn)."""
        return self._httpd.app if self._httpd is not None else None

    @property
    def endpoint(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LocalServer:
        self.store = Store(self.root, self.durable, self.faults, self.clock, self.accounts)
        app = App(self.store, {a.access_key_id: a for a in self.accounts}, self.region, self.clock)
        app.restore_delay = self.restore_delay
        try:
            self._httpd = OssHTTPServer((self.host, self.port), app)
        except OSError:
            self.store.close()
            raise
        self.port = self._httpd.server_address[1]
        app.host = f"{self.host}:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2}, name="ossh-server", daemon=True
        )
        self._thread.start()
        if self.lifecycle_interval:
            self._sweeping.clear()
            self._sweeper = threading.Thread(target=self._sweep, name="ossh-lifecycle", daemon=True)
            self._sweeper.start()
        return self

    def _sweep(self) -> None:
        app = self._httpd.app
        while not self._sweeping.wait(self.lifecycle_interval):
            try:
                lifecycle_run.run(app)
            except Exception:  # a bad sweep must not end the server; the next one tries again
                traceback.print_exc(file=sys.stderr)

    def stop(self, grace: float = 30.0) -> None:
        """Stop accepting, let requests in flight finish (up to `grace` seconds), then close the store."""
        if self._httpd is None:
            return
        if self._sweeper is not None:
            self._sweeping.set()
            self._sweeper.join(grace)
            self._sweeper = None
        self._httpd.shutdown()
        self._httpd.app.wait_idle(grace)
        self._httpd.close_connections()
        self._httpd.wait_handlers(min(grace, 5.0))  # woken by close_connections: they end at once
        self._httpd.server_close()
        self._thread.join(grace)
        self.store.close()
        self._httpd = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
