"""The store under versioning: bodies of noncurrent versions stay on disk until their version is deleted,
`serve --check` counts them as referenced, a store made before versioning is migrated in place, and version
listings page through thousands of versions."""

import sqlite3
import subprocess
import sys
from pathlib import Path

import oss2
import pytest
from test_server_check import check

from ossh.server import LocalServer
from ossh.server.store.versions import new_version_id

ROOT = Path(__file__).resolve().parents[2]


def _bucket(srv, name="ver"):
    bucket = oss2.Bucket(oss2.Auth(srv.access_key_id, srv.access_key_secret), srv.endpoint, name)
    bucket.create_bucket()
    return bucket


def _enable(bucket, status="Enabled"):
    config = oss2.models.BucketVersioningConfig()
    config.status = status
    bucket.put_bucket_versioning(config)


def _body_files(root: Path) -> int:
    return sum(1 for sub in (root / "data").iterdir() for _ in sub.iterdir())


def test_noncurrent_bodies_live_until_their_version_is_deleted(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        _enable(bucket)
        ids = [bucket.put_object("k", b"v%d" % n).versionid for n in range(3)]
        bucket.delete_object("k")  # a marker: no body
        mp = bucket.init_multipart_upload("mp").upload_id
        bucket.upload_part("mp", mp, 1, b"p" * 10)
        bucket.complete_multipart_upload("mp", mp, bucket.list_parts("mp", mp).parts)
        bucket.put_object("mp", b"over")  # the multipart body becomes noncurrent
        assert _body_files(tmp_path) == 5
        assert bucket.get_object("k", params={"versionId": ids[0]}).read() == b"v0"
    assert check(tmp_path) == (0, ["checked 5 object(s), 0 part(s), 5 file(s): the store is consistent"])

    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = oss2.Bucket(oss2.Auth("ak", "sk"), srv.endpoint, "ver")
        bucket.delete_object("k", params={"versionId": ids[1]})
        assert _body_files(tmp_path) == 4
        listed = bucket.list_object_versions()
        for v in listed.versions:
            bucket.delete_object(v.key, params={"versionId": v.versionid})
        for m in listed.delete_marker:
            bucket.delete_object(m.key, params={"versionId": m.versionid})
        assert _body_files(tmp_path) == 0
        bucket.delete_bucket()
    assert check(tmp_path)[0] == 0


def test_check_repairs_a_noncurrent_version_whose_body_is_gone(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        _enable(bucket)
        bucket.put_object("k", b"old")
        bucket.put_object("k", b"new")
        old_body = srv.store.db.one("SELECT body FROM versions")["body"]
        srv.store.blobs.path(old_body).unlink()
    status, lines = check(tmp_path)
    assert status == 1 and lines[0].startswith("missing body: oss://ver/k (version ")
    run = subprocess.run(
        [sys.executable, "ossh.py", "serve", "--check", "--repair", "--root", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "repaired: removed the record of oss://ver/k" in run.stdout
    assert check(tmp_path)[0] == 0


def test_a_store_made_before_versioning_is_migrated(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        _bucket(srv).put_object("old", b"kept")
    db = sqlite3.connect(tmp_path / "meta.db")  # back to the schema of a store without versioning
    db.execute("DROP TABLE versions")
    db.execute("ALTER TABLE objects DROP COLUMN version_id")
    db.commit()
    db.close()
    assert check(tmp_path)[0] == 0  # --check reads such a store as it is
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = oss2.Bucket(oss2.Auth("ak", "sk"), srv.endpoint, "ver")
        assert bucket.get_object("old").read() == b"kept"
        _enable(bucket)
        assert bucket.head_object("old").versionid == "null"
        new = bucket.put_object("old", b"new").versionid
        assert [(v.versionid, v.is_latest) for v in bucket.list_object_versions().versions] == [
            (new, True),
            ("null", False),
        ]
        assert bucket.get_object("old", params={"versionId": "null"}).read() == b"kept"


def test_version_listing_pages_through_many_versions(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        _enable(bucket)
        bucket.put_object("seed", b"")
        seed = srv.store.get("ver", "seed")
        ids = {seq: new_version_id() for seq in (1, 2)}  # unique per key, so two ids serve every key
        rows = [(f"k{i:05d}".encode(), seq, ids[seq], seed.body) for i in range(3000) for seq in (1, 2)]
        with srv.store.db.write() as conn:  # 6,000 noncurrent versions without 6,000 bodies
            conn.executemany(
                "INSERT INTO versions VALUES('ver',?,?,?,0,?,0,'E','0','Normal','Standard','default',"
                "'application/octet-stream','{}','{}',0)",
                rows,
            )
        page = bucket.list_object_versions(key_marker="k02000", versionid_marker=ids[2], max_keys=3)
        assert [(v.key, v.versionid) for v in page.versions] == [
            ("k02000", ids[1]),
            ("k02001", ids[2]),
            ("k02001", ids[1]),
        ]
        total = pages = 0
        key_marker = version_marker = ""
        while pages < 10:
            page = bucket.list_object_versions(max_keys=1000, key_marker=key_marker, versionid_marker=version_marker)
            total, pages = total + len(page.versions), pages + 1
            if not page.is_truncated:
                break
            key_marker, version_marker = page.next_key_marker, page.next_versionid_marker
        assert total == 6001 and pages == 7


def test_a_full_disk_keeps_every_version_and_still_deletes(tmp_path):
    from ossh.client import OssClient
    from ossh.client.errors import ServiceError
    from ossh.server.store.space import Faults

    faults = Faults()
    with LocalServer(tmp_path, credentials={"ak": "sk"}, faults=faults) as srv:
        client = OssClient(srv.endpoint, "ak", "sk")
        client.create_bucket("full")
        client.put_bucket_versioning("full", "Enabled")
        v1 = client.put_object("full", "k", b"one").version_id

        def history():
            return [(v.version_id, v.delete_marker) for v in client.iter_object_versions("full")]

        faults.free = 0  # the disk is full from now on
        with pytest.raises(ServiceError) as failed:
            client.put_object("full", "k", b"two")
        assert failed.value.status == 507
        assert history() == [(v1, False)] and client.get_object("full", "k").read() == b"one"
        marker = client.delete_object("full", "k")  # a delete marker still goes in (the reserve)
        assert marker.delete_marker and history() == [(marker.version_id, True), (v1, False)]
        client.delete_object_versions("full", [("k", v1), ("k", marker.version_id)])
        assert history() == [] and _body_files(tmp_path) == 0
