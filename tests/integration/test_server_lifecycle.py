"""Lifecycle rules applied by the embedded server: expiration, transitions to colder classes and aborting old
multipart uploads, each when due by the server's clock (moved by the test, never waited for), with prefix and
tag filters, delete markers in a versioned bucket, and the background sweep of `lifecycle_interval`."""

import threading
import time

import pytest

from ossh.client import OssClient
from ossh.server import LocalServer
from ossh.server.ops import lifecycle_run

DAY = 86400

RULES = b"""<LifecycleConfiguration>
<Rule><ID>logs</ID><Prefix>logs/</Prefix><Status>Enabled</Status>
  <Transition><Days>10</Days><StorageClass>IA</StorageClass></Transition>
  <Transition><Days>20</Days><StorageClass>Archive</StorageClass></Transition>
  <Expiration><Days>30</Days></Expiration>
  <AbortMultipartUpload><Days>7</Days></AbortMultipartUpload></Rule>
<Rule><ID>tagged</ID><Prefix>tmp/</Prefix><Status>Enabled</Status>
  <Tag><Key>keep</Key><Value>no</Value></Tag><Expiration><Days>1</Days></Expiration></Rule>
<Rule><ID>off</ID><Prefix>keep/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>
</LifecycleConfiguration>"""


class Clock:
    """Real time plus an offset the test moves: requests are signed by real time, so the test talks to the
    server only while the offset is 0."""

    def __init__(self):
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def served(tmp_path):
    clock = Clock()
    server = LocalServer(tmp_path / "store", clock=clock, credentials={"AK": "SK"}).start()
    client = OssClient(server.endpoint, "AK", "SK")
    client.create_bucket("life")
    yield server, client, clock
    client.close()
    server.stop()


def storage_class(server, key):
    return server.store.get("life", key).attrs.storage_class


def test_rules_apply_when_due_by_the_servers_clock(served):
    server, client, clock = served
    client.put_bucket_config("life", "lifecycle", RULES)
    for key in ("logs/a", "logs/b", "keep/c"):
        client.put_object("life", key, b"x")
    client.put_object("life", "tmp/drop", b"x", headers={"x-oss-tagging": "keep=no"})
    client.put_object("life", "tmp/stay", b"x", headers={"x-oss-tagging": "keep=yes"})
    client.init_multipart_upload("life", "logs/big")

    def after(days):
        clock.offset = days * DAY
        return lifecycle_run.run(server.app)

    done = after(2)  # only the tagged rule is due
    assert (done.expired, done.transitioned, done.aborted) == (1, 0, 0)
    assert server.store.get("life", "tmp/drop") is None and server.store.get("life", "tmp/stay") is not None
    done = after(8)  # the upload is a week old
    assert (done.expired, done.transitioned, done.aborted) == (0, 0, 1)
    done = after(15)
    assert (done.transitioned, storage_class(server, "logs/a"), storage_class(server, "logs/b")) == (2, "IA", "IA")
    done = after(25)
    assert (done.transitioned, storage_class(server, "logs/a")) == (2, "Archive")
    assert after(26).transitioned == 0  # never twice, never back to a warmer class
    done = after(31)
    assert done.expired == 2 and server.store.get("life", "logs/a") is None
    clock.offset = 0
    assert sorted(o.key for o in client.iter_objects("life")) == ["keep/c", "tmp/stay"]  # the Disabled rule
    assert [u.upload_id for u in client.iter_uploads("life")] == []


def test_expiring_in_a_versioned_bucket_leaves_a_delete_marker(served):
    server, client, clock = served
    client.put_bucket_versioning("life", "Enabled")
    client.put_bucket_config("life", "lifecycle", RULES)
    put = client.put_object("life", "logs/v", b"old")
    clock.offset = 31 * DAY
    assert lifecycle_run.run(server.app).expired == 1
    clock.offset = 0
    versions = [v for v in client.iter_object_versions("life") if not isinstance(v, str)]
    assert [(v.key, v.delete_marker, v.is_latest) for v in versions] == [
        ("logs/v", True, True),
        ("logs/v", False, False),
    ]
    assert versions[1].version_id == put.version_id
    assert client.get_object("life", "logs/v", version_id=put.version_id).read() == b"old"


def test_the_background_sweep_applies_rules_and_ends_with_the_server(tmp_path):
    clock = Clock()
    server = LocalServer(tmp_path / "store", clock=clock, credentials={"AK": "SK"}, lifecycle_interval=0.05).start()
    try:
        with OssClient(server.endpoint, "AK", "SK") as client:
            client.create_bucket("life")
            client.put_bucket_config("life", "lifecycle", RULES)
            client.put_object("life", "logs/a", b"x")
        clock.offset = 31 * DAY
        deadline = time.monotonic() + 10
        while server.store.get("life", "logs/a") is not None:
            assert time.monotonic() < deadline, "the sweep never ran"
            time.sleep(0.02)
    finally:
        server.stop()
    assert not [t for t in threading.enumerate() if t.name == "ossh-lifecycle"]


NONCURRENT = b"""<LifecycleConfiguration><Rule><ID>old</ID><Prefix>old/</Prefix><Status>Enabled</Status>
  <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>
  <NoncurrentVersionTransition><NoncurrentDays>5</NoncurrentDays><StorageClass>IA</StorageClass>
  </NoncurrentVersionTransition>
  <NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration></Rule>
</LifecycleConfiguration>"""


def test_noncurrent_versions_move_and_expire_and_a_lone_delete_marker_goes(served):
    server, client, clock = served
    client.put_bucket_versioning("life", "Enabled")
    client.put_bucket_config("life", "lifecycle", NONCURRENT)
    client.put_object("life", "old/k", b"v1")
    newest = client.put_object("life", "old/k", b"v2")
    client.put_object("life", "old/gone", b"v1")
    client.delete_object("life", "old/gone")

    def versions():
        clock.offset, saved = 0, clock.offset
        try:
            return [
                (v.key, v.delete_marker, v.storage_class)
                for v in client.iter_object_versions("life")
                if not isinstance(v, str)
            ]
        finally:
            clock.offset = saved

    clock.offset = 4 * DAY
    assert lifecycle_run.run(server.app).transitioned == 0
    clock.offset = 6 * DAY
    assert lifecycle_run.run(server.app).transitioned == 2  # both noncurrent versions, not the current one
    assert versions() == [
        ("old/gone", True, None),  # a delete marker has no class
        ("old/gone", False, "IA"),
        ("old/k", False, "Standard"),
        ("old/k", False, "IA"),
    ]
    clock.offset = 11 * DAY
    assert lifecycle_run.run(server.app).expired == 2
    clock.offset = 12 * DAY
    assert lifecycle_run.run(server.app).expired == 1  # the delete marker, alone now
    assert versions() == [("old/k", False, "Standard")]
    clock.offset = 0
    assert client.head_object("life", "old/k").version_id == newest.version_id


def test_a_tag_filter_holds_for_noncurrent_versions_too(served):
    server, client, clock = served
    client.put_bucket_versioning("life", "Enabled")
    rules = NONCURRENT.replace(
        b"<Status>Enabled</Status>", b"<Status>Enabled</Status><Tag><Key>t</Key><Value>x</Value></Tag>"
    )
    client.put_bucket_config("life", "lifecycle", rules)
    client.put_object("life", "old/tagged", b"1", headers={"x-oss-tagging": "t=x"})
    client.put_object("life", "old/tagged", b"2")
    client.put_object("life", "old/plain", b"1")
    client.put_object("life", "old/plain", b"2")
    clock.offset = 11 * DAY
    assert lifecycle_run.run(server.app).expired == 1  # only the tagged noncurrent version
    clock.offset = 0
    keys = [v.key for v in client.iter_object_versions("life") if not isinstance(v, str)]
    assert keys == ["old/plain", "old/plain", "old/tagged"]
