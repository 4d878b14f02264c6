"""The README's examples, run exactly as printed, by a newcomer with nothing configured.

The examples are read from the README itself, not copied here: every indented block is classified by
its first line (a `$ ossh` session, `ossh ...` command lines, a `# NAME` file, Python, the server start,
and the few that are not run: installs, the test and benchmark commands, the flag table and the serve
synopsis, which are checked against `--help`, setup.py and the files on disk instead). A block of any other shape
fails `test_every_readme_block_is_known`, so a new example cannot go untested.

The walkthrough runs in a temporary HOME with no OSS_* or XDG_* variables, so ossh starts its embedded
server on a store under ~/.local/share; `~/Pictures/2024` holds three small .jpg files. Command lines run
through bash with an `ossh` on PATH that is this checkout's launcher; the shell session is piped to
`ossh` (batch mode) with its prompts stripped. One substitution is made, in the Python section: the
README's server listens on port 8080, which may be taken on a machine running tests, so the test starts
it with `--port 0` and puts the port it got in place of 8080 in the Python examples.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import LAUNCHER

ROOT = Path(LAUNCHER).parent
README = ROOT / "README"
PROMPT = re.compile(r"^oss://[^>]*> ")
PICTURES = {
    "beach.jpg": b"\xff\xd8\xff\xe0 beach " * 50,
    "dunes.jpg": b"\xff\xd8\xff\xe0 dunes " * 70,
    "sunset.jpg": b"\xff\xd8\xff\xe0 sunset " * 90,
}


@dataclass
class Block:
    section: str
    line: int  # README line number of the block's first line
    lines: list[str]  # the block's lines, indentation removed

    @property
    def kind(self) -> str | None:
        first = self.lines[0]
        if first.startswith("$ ossh"):
            return "session"
        if re.fullmatch(r"# [\w.-]+", first):
            return "file"
        if first.startswith(("from ", "import ")):
            return "python"
        if "ossh serve" in first:
            return "synopsis" if "[" in first else "server"
        if all(line.startswith("ossh ") for line in self.lines):
            return "commands"
        if first.startswith("--"):
            return "flags"
        if first.startswith("pip install"):
            return "install"
        if re.fullmatch(r"\[(default|(profile|buckets) [\w.@-]+)\]", first):
            return "ini"
        if first.split()[:2] == ["osscmd", "name"]:
            return "mapping"
        if all(line.startswith("python bench/") for line in self.lines):
            return "bench"
        return None


def readme_blocks() -> list[Block]:
    """Every run of lines indented by four spaces, with the section title above it."""
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    section, current = "", None
    for i, line in enumerate(lines):
        underline = lines[i + 1] if i + 1 < len(lines) else ""
        if line and not line[0].isspace() and underline and set(underline) <= {"-", "="}:
            section = line
        if line.startswith("    "):
            if current is None:
                current = Block(section, i + 1, [])
                blocks.append(current)
            current.lines.append(line[4:])
        else:
            current = None
    return blocks


def of_kind(kind: str) -> list[Block]:
    return [b for b in readme_blocks() if b.kind == kind]


def test_every_readme_block_is_known():
    unknown = [f"README line {b.line}: {b.lines[0]}" for b in readme_blocks() if b.kind is None]
    assert not unknown, "README blocks this test does not know how to run: " + "; ".join(unknown)
    for kind in ("session", "file", "python", "server", "commands"):
        assert of_kind(kind), f"the README lost its {kind} example"


class Newcomer:
    """A fresh HOME with ~/Pictures/2024, nothing configured, and `ossh` on PATH."""

    def __init__(self, tmp: Path):
        self.home = tmp / "home"
        pictures = self.home / "Pictures" / "2024"
        pictures.mkdir(parents=True)
        for name, body in PICTURES.items():
            (pictures / name).write_bytes(body)
        (self.home / "big.iso").write_bytes(os.urandom(1 << 20))  # the local file the Python example uploads
        bin_dir = tmp / "bin"
        bin_dir.mkdir()
        wrapper = bin_dir / "ossh"
        wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} {shlex.quote(LAUNCHER)} "$@"\n')
        wrapper.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSUTIL_", "XDG_"))}
        self.env.update(
            HOME=str(self.home), PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", PYTHONPATH=str(ROOT)
        )
        self.failures: list[str] = []
        self.outputs: dict[int, str] = {}  # README line -> what the command printed
        self.servers: list[subprocess.Popen] = []

    def bash(self, line: str, input: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", "-c", line], input=input, capture_output=True, text=True, env=self.env, cwd=self.home, timeout=120
        )

    def check(self, where: int, text: str, result: subprocess.CompletedProcess) -> None:
        self.outputs[where] = result.stdout
        if result.returncode != 0 or "Traceback" in result.stderr:
            errors = [e for e in result.stderr.splitlines() if "started the embedded server" not in e]
            self.failures.append(
                f"README line {where}: {text!r} exited {result.returncode}: {errors[-1] if errors else ''}"
            )

    def session(self, block: Block) -> None:
        """`$ ossh` then prompt lines, piped to ossh; a failing line is reported with its README line."""
        commands = []
        for line in block.lines[1:]:
            assert PROMPT.match(line), f"README line {block.line}: a session line without a prompt: {line!r}"
            commands.append(PROMPT.sub("", line))
        result = self.bash(block.lines[0][2:], input="\n".join(commands) + "\n")
        m = re.search(r"ossh: line (\d+): ", result.stderr)
        n = int(m.group(1)) if m else 0  # batch line n is the block's line n (line 0: `$ ossh`)
        self.check(block.line + n, block.lines[n], result)
        self.outputs[block.line] = result.stdout

    def server(self, block: Block) -> int:
        """Start the README's server, on a free port; return the port."""
        line = block.lines[0].replace("--port 8080", "--port 0")
        # its own process group, so that stop() ends bash and the server it started, whatever bash did
        proc = subprocess.Popen(
            ["bash", "-c", line],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
            cwd=self.home,
            start_new_session=True,
        )
        self.servers.append(proc)
        first = proc.stdout.readline()
        m = re.fullmatch(r"endpoint: http://127\.0\.0\.1:(\d+)\n", first)
        assert m, f"README line {block.line}: the server printed {first!r} ({proc.stderr.read() if not first else ''})"
        return int(m.group(1))

    def stop(self) -> None:
        for proc in self.servers:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.communicate(timeout=30)


@pytest.fixture
def newcomer(tmp_path):
    person = Newcomer(tmp_path)
    yield person
    person.stop()


def test_readme_walkthrough(newcomer):
    blocks = readme_blocks()
    for block in blocks:
        if block.kind == "file":
            (newcomer.home / block.lines[0][2:]).write_text("\n".join(block.lines) + "\n")
    port = None
    python_out = []
    for block in blocks:
        if block.kind == "session":
            newcomer.session(block)
        elif block.kind == "commands":
            for offset, line in enumerate(block.lines):
                newcomer.check(block.line + offset, line, newcomer.bash(line))
        elif block.kind == "server":
            port = newcomer.server(block)
        elif block.kind == "python":
            code = "\n".join(block.lines)
            if "8080" in code:
                assert port is not None, f"README line {block.line}: Python talks to a server not started before it"
                code = code.replace("127.0.0.1:8080", f"127.0.0.1:{port}")
            result = subprocess.run(
                [sys.executable, "-c", code],
                capture_output=True,
                text=True,
                env=newcomer.env,
                cwd=newcomer.home,
                timeout=120,
                input="",
            )
            newcomer.check(block.line, block.lines[0], result)
            python_out.append(result.stdout)
    assert not newcomer.failures, "\n".join(newcomer.failures)

    home = newcomer.home
    # the shell session: the contents of ~/Pictures/2024 under photos/2024/, the .jpg files in ~/Downloads
    from ossh.client import OssClient
    from ossh.server import LocalServer

    with LocalServer(home / ".local" / "share" / "ossh", credentials="stored") as srv:  # the store ossh used
        client = OssClient(srv.endpoint, srv.access_key_id, srv.access_key_secret, region="cn-hangzhou")
        assert {s.key for s in client.iter_objects("photos")} == {f"2024/{n}" for n in PICTURES}
        assert client.get_object_acl("photos", "2024/beach.jpg") == "public-read"
        assert "my-photos" not in {b.name for b in client.iter_buckets()}  # the osscmd block removed it
    for directory in ("Downloads", "2024-copy", "2024-mirror"):
        assert {p.name: p.read_bytes() for p in (home / directory).iterdir()} == PICTURES
    assert (home / "beach-copy.jpg").read_bytes() == (home / "beach.jpg").read_bytes() == PICTURES["beach.jpg"]
    session = newcomer.outputs[of_kind("session")[0].line]
    assert "URI:           oss://photos/2024/beach.jpg" in session and "usage:   put" in session
    assert re.search(r"^http://127\.0\.0\.1:\d+/photos/2024/beach\.jpg\?.*x-oss-expires=600", session, re.M)
    # the Python examples printed what they promise
    assert any(re.fullmatch(r"http://127\.0\.0\.1:\d+ \S+\n", out) for out in python_out), python_out
    assert "b'hello'\n" in python_out and any(re.fullmatch(r"200 \w+\n", out) for out in python_out), python_out


def test_readme_config_example_is_read_as_documented(tmp_path):
    """The INI example, saved as ~/.ossutilconfig, gives each profile the values the README shows."""
    from ossh.config import resolve

    blocks = of_kind("ini")
    assert blocks, "the README lost its config file example"
    # the example's sections, each one block between blank lines
    (tmp_path / ".ossutilconfig").write_text("\n\n".join("\n".join(b.lines) for b in blocks) + "\n")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    default = resolve({}, env)
    assert (default.access_key_id, default.access_key_secret, default.region) == (
        "LTAI5tExampleKeyId",
        "ExampleSecretExampleSecret",
        "cn-hangzhou",
    )
    dev = resolve({"profile": "dev"}, env)
    assert (dev.endpoint, dev.security_token, dev.sign_version, dev.addressing_style) == (
        "http://127.0.0.1:8080",
        "ExampleToken",
        "v4",
        "path",
    )
    assert dev.bucket_endpoints == {
        "archive-bj": ("oss-cn-beijing.aliyuncs.com", "cn-beijing", "path"),
        "mirror": ("http://127.0.0.1:9090", None, "path"),
    }
    staging = resolve({"profile": "staging"}, env)
    assert (staging.region, staging.access_key_id, staging.endpoint) == ("cn-shanghai", dev.access_key_id, dev.endpoint)


def test_readme_osscmd_table_names_what_each_runs():
    from ossh.shell.commands import REGISTRY

    blocks = of_kind("mapping")
    assert blocks, "the README lost its osscmd mapping table"
    for line in blocks[0].lines[1:]:
        names, runs = re.split(r"\s{2,}", line)[:2]
        for name in names.split(", "):
            word = name.split()[0]
            assert word in REGISTRY.names(), line
            assert " ".join(REGISTRY.unalias([word])) == runs, line


def test_readme_flags_and_serve_synopsis_match_the_help(ossh, ossh_process):
    usage = ossh("--help").stdout
    for block in of_kind("flags"):
        for line in block.lines:
            if line.startswith("--"):
                assert line.split()[0] in usage, line
    serve_usage = ossh_process("serve", "--help").stdout  # the server's entry point writes to sys.stdout
    for block in of_kind("synopsis"):
        for option in re.findall(r"\[(--[\w-]+)", block.lines[0]):
            assert option in serve_usage, option


def test_readme_install_and_benchmark_lines_hold():
    """Not run (they install, or take minutes), but what they name exists: the extras, the console
    script, the benchmark files."""
    setup = (ROOT / "setup.py").read_text(encoding="utf-8")
    installs = " ".join(line for block in of_kind("install") for line in block.lines)
    for extra in re.findall(r"\.\[(\w+)\]", installs):
        assert re.search(rf"[\"']{extra}[\"']\s*:", setup), extra
    assert "&& ossh" in installs and re.search(r"[\"']ossh = ossh\.cli:main[\"']", setup)
    scripts = [line.split()[1] for block in of_kind("bench") for line in block.lines]
    assert scripts and all((ROOT / s).is_file() for s in scripts), scripts
