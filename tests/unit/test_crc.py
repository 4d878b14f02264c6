"""CRC-64/XZ as OSS computes it: published check values, chaining and combining."""

import os

import pytest

from ossh.client.crc import Crc64, crc64, crc64_combine

VECTORS = [
    (b"123456789", 11051210869376104954),
    (b"", 0),
    (b"12345", 6748440630437108969),
    (b"67890", 6285347597771850461),
    (b"1234567890", 12811388247244714686),
    (b"hello world", 5981764153023615706),
]


@pytest.mark.parametrize("data,expected", VECTORS)
def test_check_values(data, expected):
    assert crc64(data) == expected


def test_streaming_equals_one_shot():
    data = os.urandom(1 << 20)
    running = Crc64()
    for i in range(0, len(data), 4099):
        running.update(memoryview(data)[i : i + 4099])
    assert (running.value, running.length) == (crc64(data), len(data))


@pytest.mark.parametrize("split", [0, 1, 5, 100_000, 1 << 20])
def test_combine_parts(split):
    data = os.urandom(1 << 20)
    a, b = data[:split], data[split:]
    assert crc64_combine(crc64(a), crc64(b), len(b)) == crc64(data)
    whole = Crc64()
    whole.combine(crc64(a), len(a))
    whole.combine(crc64(b), len(b))
    assert whole.value == crc64(data) and whole.length == len(data)
