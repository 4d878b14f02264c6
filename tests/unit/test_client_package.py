"""The client package's shape: names load on first use (importing the package, its errors or the protocol
does not import requests), and TransferConfig checks its fields."""

import subprocess
import sys

import pytest

import ossh.client
from ossh.client import ClientError, TransferConfig
from ossh.client.transfer_config import DEFAULT_CONCURRENCY, DEFAULT_PART_SIZE, DEFAULT_THRESHOLD

LIGHT_IMPORTS = [
    "import ossh.client",
    "import ossh.client.errors",
    "import ossh.protocol",
    "from ossh.client import OssError, ClientError, ServiceError, TransferConfig",
]
HEAVY = ("requests", "urllib3", "xmltodict")


@pytest.mark.parametrize("statement", LIGHT_IMPORTS)
def test_importing_the_package_or_its_errors_leaves_requests_out(statement):
    # nor xmltodict: the shell's command modules import the errors at start-up
    probe = f"import sys; {statement}; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_client_itself_brings_requests():
    probe = "import sys; from ossh.client import OssClient; print('requests' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"


def test_every_exported_name_loads_and_is_listed():
    for name in ossh.client.__all__:
        assert getattr(ossh.client, name).__name__ == name
    assert set(ossh.client.__all__) <= set(dir(ossh.client))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        ossh.client.Nope  # noqa: B018


def test_transfer_config_defaults_are_the_transfer_defaults():
    config = TransferConfig()
    assert (config.threshold, config.part_size, config.concurrency) == (DEFAULT_THRESHOLD, None, DEFAULT_CONCURRENCY)
    assert config.checkpoint_dir is None and config.verify_crc is True
    assert DEFAULT_PART_SIZE == 32 << 20 and DEFAULT_THRESHOLD == 64 << 20


@pytest.mark.parametrize(
    "fields, named",
    [
        ({"threshold": -1}, "threshold"),
        ({"threshold": "big"}, "threshold"),
        ({"threshold": 1.5}, "threshold"),
        ({"part_size": 0}, "part_size"),
        ({"part_size": True}, "part_size"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": None}, "concurrency"),
        ({"checkpoint_dir": 3}, "checkpoint_dir"),
        ({"verify_crc": "no"}, "verify_crc"),
    ],
)
def test_a_bad_transfer_config_field_is_one_line_naming_it(fields, named):
    with pytest.raises(ClientError) as exc:
        TransferConfig(**fields)
    message = str(exc.value)
    assert message.startswith(f"TransferConfig.{named} must be") and "\n" not in message
    assert repr(next(iter(fields.values()))) in message


def test_replace_checks_the_new_values_too():
    config = TransferConfig(threshold=0, part_size=200_000, concurrency=2, checkpoint_dir="/tmp/x", verify_crc=False)
    assert config.replace(concurrency=8) == TransferConfig(0, 200_000, 8, "/tmp/x", False)
    with pytest.raises(ClientError, match="concurrency"):
        config.replace(concurrency=-2)


def test_submodules_load_on_first_use_and_the_shell_loads_none_at_start_up():
    probe = (
        "import sys; import ossh.cli, ossh.shell.commands, ossh.client as oss; "
        "before = sorted(m for m in sys.modules if m.startswith('ossh.client.')); "
        "oss.checkpoint.recorded_uploads; "
        "print(before, 'ossh.client.checkpoint' in sys.modules, 'requests' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[] True False"
    with pytest.raises(AttributeError):
        getattr(ossh.client, "not_a_module")  # noqa: B009 -- the lookup itself is what is tested
