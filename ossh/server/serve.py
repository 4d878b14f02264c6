"""`ossh serve`: run the embedded server in the foreground until Ctrl-C or SIGTERM; `--check [--repair]`
checks a stopped store instead (check.py)."""

from __future__ import annotations

import signal
import sqlite3
import sys
import threading
from pathlib import Path

from ossh import cmdline
from ossh.protocol import DEFAULT_REGION

from .local import AccountsError, LocalServer, read_accounts_file
from .ops.restore import DEFAULT_RESTORE_DELAY
from .store.store import StoreUnavailable


def main(argv: list[str] | None = None, default_root: Path | None = None) -> int:
    """`ossh serve`; `default_root` is the store used without --root (the shell's own store, so both see the
    same buckets); without one, --root is required."""
    parser = cmdline.OneLineParser(prog="ossh serve", description="Run a local OSS-compatible server.")
    parser.add_argument("--host", default="127.0.0.1", type=cmdline.host, help="address to listen on")
    parser.add_argument("--port", type=cmdline.port, default=8080, help="0 picks a free port")
    parser.add_argument(
        "--root",
        type=cmdline.directory,
        default=default_root,
        required=default_root is None,
        help="data directory" + (f" (default {default_root})" if default_root else ""),
    )
    parser.add_argument("--region", default=DEFAULT_REGION, type=cmdline.region)
    parser.add_argument(
        "--accounts",
        type=cmdline.json_file,
        default=None,
        help='JSON file of extra key pairs: {"AccessKeyId": "AccessKeySecret", ...} or a list of '
        '{"access_key_id": .., "access_key_secret": .., "id": OWNER_ID}',
    )
    parser.add_argument(
        "--restore-delay",
        type=cmdline.seconds,
        default=DEFAULT_RESTORE_DELAY,
        metavar="SECONDS",
        help=f"seconds until a restored Archive object is readable (default {DEFAULT_RESTORE_DELAY:g})",
    )
    parser.add_argument(
        "--lifecycle-interval",
        type=cmdline.seconds,
        default=3600,
        metavar="SECONDS",
        help="apply the buckets' lifecycle rules this often (default 3600; 0 never)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="check the store's consistency instead of serving (exit 0 clean, 1 findings)",
    )
    parser.add_argument(
        "--repair",
        action="store_true",
        help="with --check: remove orphan files and dangling records, and say what was done",
    )
    parser.add_argument(
        "--no-sync",
        action="store_true",
        help="benchmarks only: answer writes before their directory and index are synced "
        "(a power loss may lose acknowledged writes)",
    )
    args = parser.parse_args(argv)
    if args.repair and not args.check:
        parser.error("--repair goes with --check")
    root = Path(args.root)
    if args.check:
        from .check import check_store

        try:
            return check_store(root, args.repair, lambda line: print(line, flush=True))
        except (OSError, sqlite3.Error) as exc:
            print(f"ossh: serve: {exc}", file=sys.stderr)
            return 1
    if args.accounts is not None:
        try:
            read_accounts_file(Path(args.accounts))
        except AccountsError as exc:
            parser.error(f"argument --accounts: {args.accounts}: {exc}")
        except (TypeError, KeyError, AttributeError, ValueError):
            parser.error(
                f'argument --accounts: {args.accounts}: want {{"AccessKeyId": "AccessKeySecret", ...}} '
                'or a list of {"access_key_id": ..., "access_key_secret": ..., "id": optional owner id}'
            )
    try:
        server = LocalServer(
            root,
            host=args.host,
            port=args.port,
            region=args.region,
            accounts_file=args.accounts,
            durable=not args.no_sync,
            restore_delay=args.restore_delay,
            lifecycle_interval=args.lifecycle_interval or None,
        ).start()
    except StoreUnavailable as exc:  # says which store and why, in one line
        print(f"ossh: serve: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the port taken or not ours to bind, the root not usable after all: not a
        # malformed argument (those exit 2 above) but the machine's state, so status 1
        what = f"{exc.filename}: " if exc.filename else f"cannot listen on {args.host}:{args.port}: "
        print(f"ossh: serve: {what}{exc.strerror or exc}", file=sys.stderr)
        return 1
    except (ValueError, KeyError) as exc:
        print(f"ossh: serve: {cmdline.one_line(exc)}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"endpoint: {server.endpoint}", flush=True)
    print(f"root: {root}")
    print(f"region: {server.region}")
    print(f"access key id: {server.access_key_id}")
    stored = server.stored_account
    if stored is not None:
        # The root's own pair is printed at every start: a user should not have to dig it out of the file.
        kept = f"{'generated; ' if server.generated else ''}kept in {server.stored_path}, mode 0600"
        if stored is not server.accounts[0]:
            print(f"stored access key id: {stored.access_key_id}  (also accepted; the shell's embedded server uses it)")
            print(f"stored access key secret: {stored.access_key_secret}  ({kept})")
        else:
            print(f"access key secret: {stored.access_key_secret}  ({kept})")
    if server.store.recovered:
        print(f"cleaned {server.store.recovered} unfinished file(s) left by an earlier run")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
