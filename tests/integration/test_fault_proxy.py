"""Transfers through a proxy that breaks connections: 10% of every 4 MiB carried is cut (requests and
responses, kept-alive connections included), 5% of requests are answered 503 and 2% of connections are
closed while idle. Puts and gets of 1 KiB to 100 MiB must come back byte-identical, or fail with a clear
one-line error leaving nothing under the final name. The proxy is seeded: OSSH_FAULT_SEED reproduces a run."""

import hashlib
import os
import random

import pytest
from faultproxy import FaultProxy

from ossh.client import OssClient
from ossh.client.errors import OssError

SEED = int(os.environ.get("OSSH_FAULT_SEED", "8"))
KIB, MIB = 1 << 10, 1 << 20
TOTALS = {"transfers": 0, "identical": 0, "failed": 0}


@pytest.fixture(scope="module")
def proxy(server):
    with FaultProxy(server.endpoint, seed=SEED, cut=0.10, busy=0.05, idle_close=0.02) as p:
        yield p
    s = p.stats
    print(
        f"\nfault proxy (seed {SEED}): {s.requests} requests on {s.connections} connections, {s.faults} faults "
        f"({s.cuts_up} request cuts, {s.cuts_down} response cuts, {s.busy} 503s, {s.idle_closes} idle closes), "
        f"{(s.bytes_up + s.bytes_down) / MIB:.0f} MiB carried; transfers {TOTALS}"
    )


@pytest.fixture(scope="module")
def faulty(proxy, server):
    from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

    return OssClient(proxy.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION, retry_base_delay=0.01)


@pytest.fixture(scope="module")
def fault_bucket(server):
    from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

    direct = OssClient(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION)
    direct.create_bucket("faults")  # a fixed name: the proxy's fates depend on the path
    return "faults"


def _data(size: int, tag: int) -> bytes:
    return random.Random(tag).randbytes(size)


def _temps(directory) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.endswith(".ossh-part")]


def _one_line(exc: OssError) -> str:
    text = str(exc)
    assert text and "\n" not in text and "Traceback" not in text
    return text


# (size, part size, threads, checkpointed): single requests, multipart/ranged with small parts, one 100 MiB
CASES = [
    (KIB, None, 4, False),
    (100 * KIB, None, 4, True),
    (MIB, 256 * KIB, 4, False),
    (3 * MIB + 17, 512 * KIB, 3, True),
    (7 * MIB, None, 4, False),
    (20 * MIB + 1, 2 * MIB, 4, True),
    (40 * MIB, 4 * MIB, 4, False),
    (100 * MIB, 8 * MIB, 4, True),
]


@pytest.mark.parametrize("size, part, threads, checkpointed", CASES, ids=[f"{c[0]}B" for c in CASES])
def test_put_and_get_survive_broken_connections(
    faulty, client, fault_bucket, tmp_path, size, part, threads, checkpointed
):
    data = _data(size, size)
    key = f"obj-{size}"
    src = tmp_path / "src"
    src.write_bytes(data)
    ckpt = tmp_path / "ckpt" if checkpointed else None
    # threshold 8 MiB: smaller objects go as one PUT / one GET, larger ones in parts
    opts = dict(threads=threads, part_size=part, threshold=8 * MIB, checkpoint_dir=ckpt)
    TOTALS["transfers"] += 2
    try:
        faulty.upload_file(fault_bucket, key, src, **opts)
    except OssError as exc:
        _one_line(exc)
        TOTALS["failed"] += 1
        assert not client.object_exists(fault_bucket, key) or client.get_object(fault_bucket, key).read() == data
        pytest.fail(f"put of {size} bytes failed: {exc}")
    assert hashlib.sha256(client.get_object(fault_bucket, key).read()).digest() == hashlib.sha256(data).digest()
    TOTALS["identical"] += 1

    target = tmp_path / "out" / "copy.bin"
    target.parent.mkdir()
    target.write_bytes(b"previous")
    try:
        meta = faulty.download_file(fault_bucket, key, target, **opts)
    except OssError as exc:
        _one_line(exc)
        TOTALS["failed"] += 1
        assert target.read_bytes() == b"previous" and (checkpointed or _temps(target.parent) == [])
        pytest.fail(f"get of {size} bytes failed: {exc}")
    assert meta.size == size and target.read_bytes() == data
    assert _temps(target.parent) == [] and not (ckpt and ckpt.exists() and any(ckpt.iterdir()))
    TOTALS["identical"] += 1


def test_many_small_requests_on_kept_alive_connections(faulty, client, fault_bucket):
    """Hundreds of small requests on a few reused connections: 503s, idle closes and the rare cut all land
    on connections that carried earlier requests."""
    for i in range(60):
        body = _data(1 + i * 97, i)
        TOTALS["transfers"] += 2
        faulty.put_object(fault_bucket, f"small/{i}", body)
        assert faulty.get_object(fault_bucket, f"small/{i}").read() == body
        TOTALS["identical"] += 2
    assert len(list(faulty.iter_objects(fault_bucket, prefix="small/"))) == 60


def test_the_proxy_injected_every_kind_of_fault(proxy):
    """Runs last: the transfers above met cuts both ways, 503s and idle closes, on connections that each
    carried many requests (so faults hit kept-alive connections, not only fresh ones)."""
    s = proxy.stats
    assert s.cuts_up and s.cuts_down and s.busy and s.idle_closes
    assert s.requests > 5 * s.connections
