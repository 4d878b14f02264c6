"""Start-up time of `ossh -c pwd` (a command that needs no client): median of N runs next to the bare
interpreter, and which heavy modules start-up imported (it should import none of them).

    python bench/startup.py [RUNS]
"""

import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAUNCHER = os.path.join(ROOT, "ossh.py")
# ossh.client itself is a lazy package (PEP 562): its client and errors modules are what would cost
HEAVY = ("requests", "prompt_toolkit", "xmltodict", "ossh.client.client", "ossh.client.errors", "ossh.server")
PROBE = f"""
import runpy, sys
sys.argv = [{LAUNCHER!r}, "-c", "pwd"]
try:
    runpy.run_path({LAUNCHER!r}, run_name="__main__")
except SystemExit:
    pass
print(" ".join(m for m in {HEAVY!r} if m in sys.modules) or "none", file=sys.stderr)
"""


def timed(argv, env) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    ossh = sorted(timed([sys.executable, LAUNCHER, "-c", "pwd"], env) for _ in range(runs))
    bare = sorted(timed([sys.executable, "-c", "pass"], env) for _ in range(runs))
    heavy = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True)
    print(
        f"ossh -c pwd:    median {statistics.median(ossh) * 1000:.0f} ms "
        f"(min {ossh[0] * 1000:.0f}, max {ossh[-1] * 1000:.0f}) over {runs} runs"
    )
    print(f"python -c pass: median {statistics.median(bare) * 1000:.0f} ms (the interpreter alone)")
    print(f"heavy modules imported by start-up: {heavy.stderr.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
