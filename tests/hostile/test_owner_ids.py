"""An owner is not its access key: every Owner, Initiator and DisplayName the server sends is the account's
numeric owner id, which shows nothing of a key; ids are stable across restarts, may be given in the accounts
file (two keys with one id are one account), and a store whose owners were key ids is migrated on open."""

import json
import os
import re
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ossh.client.auth import Credentials
from ossh.server import LocalServer
from ossh.server.local import AccountsError

from .conftest import Hostile

AK, SK = "owner-key-one", "owner-secret-one"
AK2, SK2 = "owner-key-two", "owner-secret-two"
VERSIONING_ON = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"


def as_account(server, ak, sk) -> Hostile:
    caller = Hostile(server)
    caller.creds = Credentials(ak, sk)
    return caller


def owner_ids(body: str) -> set[str]:
    return set(re.findall(r"<(?:ID|DisplayName)>([^<]*)</(?:ID|DisplayName)>", body))


def sixteen_digits(value: str) -> bool:
    return re.fullmatch(r"[1-9][0-9]{15}", value) is not None


def bucket_names(caller) -> list[str]:
    return re.findall(r"<Name>([^<]+)</Name>", caller.call("GET").text)


def the_owner(caller) -> str:
    (found,) = re.findall(r"<Owner><ID>([^<]+)</ID>", caller.call("GET").text)
    return found


@pytest.fixture
def two_accounts(tmp_path):
    with LocalServer(tmp_path / "root", credentials={AK: SK, AK2: SK2}) as server:
        yield server, as_account(server, AK, SK), as_account(server, AK2, SK2)


def test_listing_a_public_bucket_shows_no_key_id_anywhere(two_accounts):
    server, one, _ = two_accounts
    assert one.call("PUT", "pub-list", headers={"x-oss-acl": "public-read"}).status_code == 200
    assert one.call("PUT", "pub-list", params={"versioning": ""}, data=VERSIONING_ON).status_code == 200
    for key in ("a.txt", "dir/b.txt"):
        assert one.call("PUT", "pub-list", key, data=b"x").status_code == 200
    assert one.call("DELETE", "pub-list", "a.txt").status_code == 204  # a delete marker has an owner too
    assert one.call("POST", "pub-list", "big.bin", params={"uploads": ""}).status_code == 200
    anonymous = [
        {},
        {"list-type": "2", "fetch-owner": "true"},
        {"versions": ""},
        {"uploads": ""},
    ]
    seen = set()
    for params in anonymous:
        resp = one.call("GET", "pub-list", params=params, signed=False)
        assert resp.status_code == 200, (params, resp.text)
        assert AK not in resp.text and AK2 not in resp.text, (params, resp.text)
        seen |= owner_ids(resp.text)
    assert seen == {server.owner_id} and sixteen_digits(server.owner_id)


def test_no_owner_answer_carries_a_key_id(two_accounts):
    server, one, _ = two_accounts
    assert one.call("PUT", "own-docs").status_code == 200
    assert one.call("PUT", "own-docs", "k", data=b"x").status_code == 200
    upload = one.call("POST", "own-docs", "mp", params={"uploads": ""}).text
    upload_id = re.search(r"<UploadId>([^<]+)</UploadId>", upload)[1]
    assert one.call("PUT", "own-docs", "mp", params={"partNumber": "1", "uploadId": upload_id}, data=b"p").ok
    for bucket, key, params in [
        (None, None, {}),
        ("own-docs", None, {"acl": ""}),
        ("own-docs", None, {"bucketInfo": ""}),
        ("own-docs", "k", {"acl": ""}),
        ("own-docs", None, {}),
        ("own-docs", None, {"list-type": "2", "fetch-owner": "true"}),
        ("own-docs", None, {"versions": ""}),
        ("own-docs", None, {"uploads": ""}),
        ("own-docs", "mp", {"uploadId": upload_id}),
    ]:
        resp = one.call("GET", bucket, key, params=params)
        assert resp.status_code == 200, (bucket, key, params, resp.text)
        assert AK not in resp.text, (bucket, key, params, resp.text)
        assert owner_ids(resp.text) <= {server.owner_id}, (params, resp.text)
    assert "<ID>" + server.owner_id in one.call("GET", "own-docs", params={"acl": ""}).text


def test_ids_are_sixteen_digits_distinct_and_stable_across_restarts(tmp_path):
    root = tmp_path / "root"
    with LocalServer(root, credentials={AK: SK, AK2: SK2}) as server:
        first, second = the_owner(as_account(server, AK, SK)), the_owner(as_account(server, AK2, SK2))
        assert as_account(server, AK, SK).call("PUT", "stays-mine").status_code == 200
    assert sixteen_digits(first) and sixteen_digits(second) and first != second
    with LocalServer(root, credentials={AK: SK, AK2: SK2}) as server:
        one = as_account(server, AK, SK)
        assert the_owner(one) == first and the_owner(as_account(server, AK2, SK2)) == second
        assert "stays-mine" in bucket_names(one)
    with LocalServer(tmp_path / "elsewhere", credentials={AK: SK}) as server:
        assert the_owner(as_account(server, AK, SK)) == first  # derived from the key id alone


def test_the_generated_pair_has_a_numeric_id_too(tmp_path):
    with LocalServer(tmp_path / "root") as server:
        caller = as_account(server, server.access_key_id, server.access_key_secret)
        assert the_owner(caller) == server.owner_id and sixteen_digits(server.owner_id)
        assert server.access_key_id not in caller.call("GET").text


def _make_old_store(root, buckets: dict[str, str]) -> None:
    """Rewind a store to before owner ids: each bucket's owner back to the key id that made it."""
    with sqlite3.connect(root / "meta.db") as conn:
        for name, key_id in buckets.items():
            conn.execute("UPDATE buckets SET owner=? WHERE name=?", (key_id, name))
        conn.execute("PRAGMA user_version=0")
    conn.close()


def _owners_on_disk(root) -> tuple[dict[str, str], int]:
    conn = sqlite3.connect(root / "meta.db")
    try:
        owners = dict(conn.execute("SELECT name, owner FROM buckets"))
        return owners, conn.execute("PRAGMA user_version").fetchone()[0]
    finally:
        conn.close()


def test_an_old_store_is_migrated_and_owners_keep_their_buckets(tmp_path):
    root = tmp_path / "root"
    with LocalServer(root, credentials={AK: SK, AK2: SK2}) as server:
        one, two = as_account(server, AK, SK), as_account(server, AK2, SK2)
        for caller, name in [(one, "old-one"), (one, "old-one-b"), (two, "old-two")]:
            assert caller.call("PUT", name).status_code == 200
        assert one.call("PUT", "old-one", "k", data=b"mine").status_code == 200
    _make_old_store(root, {"old-one": AK, "old-one-b": AK, "old-two": AK2})
    with LocalServer(root, credentials={AK: SK, AK2: SK2}) as server:
        one, two = as_account(server, AK, SK), as_account(server, AK2, SK2)
        assert set(bucket_names(one)) == {"old-one", "old-one-b"} and bucket_names(two) == ["old-two"]
        assert one.call("GET", "old-one", "k").content == b"mine"
        assert two.call("GET", "old-one", "k").status_code == 403
        assert two.call("DELETE", "old-one-b").status_code == 403
        assert one.call("DELETE", "old-one-b").status_code == 204
        assert AK not in one.call("GET", "old-one", params={"acl": ""}).text
        owners, version = _owners_on_disk(root)
        assert version >= 1 and AK not in owners.values() and AK2 not in owners.values()
        assert owners == {"old-one": server.owner_id, "old-two": the_owner(two)}
    with LocalServer(root, credentials={AK: SK, AK2: SK2}):
        assert _owners_on_disk(root) == (owners, version)  # done once: a second open changes nothing


def test_a_key_missing_at_the_migration_still_gets_its_buckets_back(tmp_path):
    root = tmp_path / "root"
    with LocalServer(root, credentials={AK: SK, AK2: SK2}) as server:
        assert as_account(server, AK2, SK2).call("PUT", "absent-owner").status_code == 200
    _make_old_store(root, {"absent-owner": AK2})
    with LocalServer(root, credentials={AK: SK}) as server:  # migrated without knowing the owner's key
        one = as_account(server, AK, SK)
        assert one.call("GET", "absent-owner").status_code == 403 and bucket_names(one) == []
        assert AK2 not in json.dumps(_owners_on_disk(root)[0])
    with LocalServer(root, credentials={AK: SK, AK2: SK2}) as server:
        assert bucket_names(as_account(server, AK2, SK2)) == ["absent-owner"]


def test_two_servers_opening_one_old_store_migrate_it_once(tmp_path):
    root = tmp_path / "root"
    with LocalServer(root, credentials={AK: SK}) as server:
        assert as_account(server, AK, SK).call("PUT", "shared-old").status_code == 200
    _make_old_store(root, {"shared-old": AK})
    servers = [LocalServer(root, credentials={AK: SK}) for _ in range(2)]
    threads = [threading.Thread(target=s.start) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        for server in servers:
            assert bucket_names(as_account(server, AK, SK)) == ["shared-old"]
        assert _owners_on_disk(root) == ({"shared-old": servers[0].owner_id}, 1)
    finally:
        for server in servers:
            server.stop()


def _accounts_file(path, entries) -> str:
    path.write_text(json.dumps(entries))
    return path


def test_explicit_ids_replace_the_derived_ones_and_keep_the_buckets(tmp_path):
    root = tmp_path / "root"
    accounts = _accounts_file(tmp_path / "a.json", [{"access_key_id": AK, "access_key_secret": SK}])
    with LocalServer(root, credentials={"main-ak": "main-sk"}, accounts_file=accounts) as server:
        assert as_account(server, AK, SK).call("PUT", "made-before-the-id").status_code == 200
    explicit = [{"access_key_id": AK, "access_key_secret": SK, "id": "1234567890123456"}]
    with LocalServer(root, credentials={"main-ak": "main-sk"}, accounts_file=_accounts_file(accounts, explicit)) as srv:
        one = as_account(srv, AK, SK)
        assert the_owner(one) == "1234567890123456"
        assert bucket_names(one) == ["made-before-the-id"]
        assert one.call("PUT", "made-after").status_code == 200
        assert "<ID>1234567890123456</ID>" in one.call("GET", "made-after", params={"acl": ""}).text
        main = as_account(srv, "main-ak", "main-sk")
        assert main.call("GET", "made-after").status_code == 403


def test_two_keys_with_one_id_are_one_account(tmp_path):
    entries = [
        {"access_key_id": AK, "access_key_secret": SK, "id": "2000000000000002"},
        {"access_key_id": AK2, "access_key_secret": SK2, "id": "2000000000000002"},
        {"access_key_id": "stranger", "access_key_secret": "stranger-sk"},
    ]
    accounts = _accounts_file(tmp_path / "a.json", entries)
    with LocalServer(tmp_path / "root", credentials={"main-ak": "main-sk"}, accounts_file=accounts) as server:
        one, two = as_account(server, AK, SK), as_account(server, AK2, SK2)
        stranger = as_account(server, "stranger", "stranger-sk")
        assert one.call("PUT", "joint").status_code == 200
        assert two.call("PUT", "joint", "k", data=b"by two").status_code == 200
        assert one.call("GET", "joint", "k").content == b"by two"
        assert bucket_names(two) == ["joint"] and the_owner(two) == "2000000000000002"
        assert two.call("PUT", "joint", params={"acl": ""}, headers={"x-oss-acl": "private"}).status_code == 200
        assert stranger.call("GET", "joint", "k").status_code == 403 and bucket_names(stranger) == []
        assert two.call("DELETE", "joint", "k").status_code == 204
        assert two.call("DELETE", "joint").status_code == 204


@pytest.mark.parametrize(
    "entries,words",
    [
        ([{"access_key_id": AK, "access_key_secret": SK, "id": "uid-of-someone"}], "numeric owner id"),
        ([{"access_key_id": AK, "access_key_secret": SK, "id": "0123"}], "numeric owner id"),
        (
            [
                {"access_key_id": AK, "access_key_secret": SK, "id": "3000000000000003"},
                {"access_key_id": "3000000000000003", "access_key_secret": SK2},
            ],
            "also the owner id of another account",
        ),
    ],
)
def test_ids_that_would_make_owners_ambiguous_are_refused(tmp_path, entries, words):
    accounts = _accounts_file(tmp_path / "a.json", entries)
    with pytest.raises(AccountsError, match=words):
        LocalServer(tmp_path / "root", credentials={"main-ak": "main-sk"}, accounts_file=accounts)


@pytest.mark.parametrize(
    "entries,status,words",
    [
        ([{"access_key_id": AK, "access_key_secret": SK, "id": "me"}], 2, "must be a numeric owner id"),
        (
            [
                {"access_key_id": AK, "access_key_secret": SK, "id": "4000000000000004"},
                {"access_key_id": "4000000000000004", "access_key_secret": SK2},
            ],
            1,
            "also the owner id of another account",
        ),
    ],
)
def test_serve_says_in_one_line_what_is_wrong_with_an_id(tmp_path, entries, status, words):
    accounts = _accounts_file(tmp_path / "a.json", entries)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    done = subprocess.run(
        [sys.executable, "ossh.py", "serve", "--port", "0", "--root", str(tmp_path / "r"), "--accounts", str(accounts)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == status and words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") <= 1
