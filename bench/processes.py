"""The processes a benchmark runs against: a Celery worker and a WSGI server.

Each one starts in a process group of its own, so one signal stops it and every child it forked
(prefork pool processes, web workers), and nothing outlives the benchmark, even after Ctrl-C.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"  # never anything else: the benchmarks only ever load this machine
BIN = Path(sys.executable).parent


class Process:
    def __init__(self, name: str, args: list[str], *, env: dict, cwd: Path, log_path: Path):
        self.name = name
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("wb")
        self.popen = subprocess.Popen(
            args,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def check(self) -> None:
        if self.popen.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.popen.returncode}; see {self.log_path}"
            )

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM the whole group (a warm shutdown for Celery), SIGKILL what is left."""
        pgid = self.popen.pid
        if self.popen.poll() is None:
            _signal_group(pgid, signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                _signal_group(pgid, signal.SIGKILL)
                self.popen.wait()
        # Children the leader left behind (a pool process still busy) go with the group.
        _signal_group(pgid, signal.SIGKILL)
        self._log.close()

    def kill(self) -> None:
        """`kill -9` the whole group at once, as a crash or the OOM killer would: no warm shutdown,
        nothing acknowledged or given back."""
        _signal_group(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self._log.close()


def _signal_group(pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def worker_start(
    *, env: dict, cwd: Path, log_dir: Path, queue: str, pool: str, concurrency: int
) -> Process:
    args = [
        str(BIN / "celery"),
        "-A",
        "selfcare",
        "worker",
        f"--pool={pool}",
        f"--queues={queue}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=WARNING",
    ]
    if pool != "solo":
        args.append(f"--concurrency={concurrency}")
    return Process("celery worker", args, env=env, cwd=cwd, log_path=log_dir / "worker.log")


def beat_start(*, env: dict, cwd: Path, log_dir: Path) -> Process:
    """Celery beat with a schedule file of its own in `log_dir`, started fresh."""
    log_dir.mkdir(parents=True, exist_ok=True)
    schedule = log_dir / "beat-schedule"
    for stale in log_dir.glob("beat-schedule*"):
        stale.unlink()
    args = [str(BIN / "celery"), "-A", "selfcare", "beat", f"--schedule={schedule}"]
    args.append("--loglevel=WARNING")
    return Process("celery beat", args, env=env, cwd=cwd, log_path=log_dir / "beat.log")


def web_start(
    *, env: dict, cwd: Path, log_dir: Path, port: int, workers: int, threads: int
) -> Process:
    """granian, WSGI, a bounded number of threads per worker (see DESIGN.md §2)."""
    args = [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--no-ws",
        "--log-level",
        "warning",
        "selfcare.wsgi:application",
    ]
    return Process("granian", args, env=env, cwd=cwd, log_path=log_dir / "web.log")


def wait_for_http(process: Process, *, port: int, path: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        process.check()
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{process.name} did not answer {path}; see {process.log_path}")
        time.sleep(0.1)


class Interference:
    """How much CPU processes other than the benchmark's used while a phase ran, in % of the
    machine: another test run or a browser on this machine makes every figure worse and noisier.
    PostgreSQL and Redis are left out (they serve the benchmark too)."""

    SERVERS = ("postgres", "redis-server")

    def __init__(self, *own_groups: int):
        self.own_groups = {os.getpgrp(), *own_groups}
        self._before: dict[int, int] = {}
        self._started = 0.0

    def _cpu_ticks(self) -> dict[int, int]:
        ticks = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as stat:
                    text = stat.read()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text[text.rindex(")") + 2 :].split()
            if int(fields[2]) in self.own_groups or name in self.SERVERS:
                continue
            ticks[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    def start(self) -> None:
        self._before = self._cpu_ticks()
        self._started = time.monotonic()

    def percent(self) -> float:
        after = self._cpu_ticks()
        used = sum(t - self._before.get(pid, 0) for pid, t in after.items()) / os.sysconf(
            "SC_CLK_TCK"
        )
        elapsed = time.monotonic() - self._started
        return 100 * used / elapsed / (os.cpu_count() or 1)
