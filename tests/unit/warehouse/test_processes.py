"""Warm worker processes (orchestration.warehouse.processes): a pool's workers are forked from
the server with the server's imports done, and see the environment of the process that made
the pool; a stopped server is waited for. Each check runs in a fresh interpreter, where no
earlier test can have started the server with other imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = '''
import json, os, sys
from orchestration.warehouse import processes

def probe(name):
    """In a worker: what it sees."""
    return {
        "parent": os.getppid(),
        "variable": os.environ.get(name),
        "modules": sorted(m for m in ("colorsys", "wave") if m in sys.modules),
    }

if __name__ == "__main__":
    os.environ["CITYGVC_PROBE"] = "before the server"
    processes.start_server(["colorsys"])
    os.environ["CITYGVC_PROBE"] = "when the pool was made"
    seen = []
    # a second pool with other modules keeps the running server and its imports
    for modules in ((), ("wave",)):
        with processes.worker_pool(2, modules) as pool:
            seen += [f.result() for f in [pool.submit(probe, "CITYGVC_PROBE") for _ in range(2)]]
    server = seen[0]["parent"]
    # stopped and waited for: gone; the next pool starts a new server with its own imports
    processes.stop_server()
    try:
        os.kill(server, 0)
        server_gone = False
    except ProcessLookupError:
        server_gone = True
    with processes.worker_pool(1, ("wave",)) as pool:
        after_stop = pool.submit(probe, "CITYGVC_PROBE").result()
    print(json.dumps({"pid": os.getpid(), "imported_here": "colorsys" in sys.modules,
                      "seen": seen, "server_gone": server_gone, "after_stop": after_stop}))
'''


def _probe(tmp_path: Path) -> dict:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_workers_are_forked_from_the_server_with_its_imports_and_the_pools_environment(
    tmp_path: Path,
) -> None:
    result = _probe(tmp_path)
    seen = result["seen"]
    assert len(seen) == 4
    # the server imported colorsys; neither this process nor the job did
    assert not result["imported_here"]
    assert all(worker["modules"] == ["colorsys"] for worker in seen)
    # forked by the server, not by this process
    assert all(worker["parent"] != result["pid"] for worker in seen)
    assert len({worker["parent"] for worker in seen}) == 1
    # the environment of the process that made the pool, set after the server started
    assert all(worker["variable"] == "when the pool was made" for worker in seen)


def test_a_stopped_server_is_gone_and_the_next_pool_starts_a_new_one(tmp_path: Path) -> None:
    result = _probe(tmp_path)
    assert result["server_gone"]
    after = result["after_stop"]
    assert after["parent"] not in {result["pid"], result["seen"][0]["parent"]}
    assert after["modules"] == ["wave"]
