"""Real services for the distributed test, on 127.0.0.1 and free ports, in a temporary folder: a
PostgreSQL cluster and a Redis server from the Debian packages, and the Airflow 3 components
(scheduler, dag-processor, api-server, Celery workers), each a process group torn down at the end.

This is the production setup of docs/airflow.md, step by step; nothing is faked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def postgres_bin() -> Path | None:
    """The folder of the Debian PostgreSQL server programs (any version), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Any, timeout: float, every: float = 1.0) -> Any:
    """Poll ``check()`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except (OSError, urllib.error.URLError, ValueError) as e:
            last = e
        time.sleep(every)
    raise TimeoutError(f"{what}: not after {timeout:.0f} s (last: {last!r})")


class Processes:
    """Started processes, each in its own process group, stopped in reverse order."""

    def __init__(self, logs: Path) -> None:
        self.logs, self.started = logs, []

    def start(self, name: str, args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
        self.started.append((name, proc, log))
        return proc

    def check_alive(self) -> None:
        for name, proc, _ in self.started:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited ({proc.returncode}); its log:\n{self.tail(name)}")

    def tail(self, name: str, chars: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-chars:] if path.is_file() else ""

    def stop(self) -> None:
        for _, proc, _ in reversed(self.started):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for _, proc, log in reversed(self.started):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
            log.close()


class Postgres:
    """A throwaway PostgreSQL cluster owned by the ``postgres`` system user, trust auth on 127.0.0.1."""

    def __init__(self, bin_dir: Path, password: str | None = None) -> None:
        # its own folder under the system temp folder: the postgres user cannot enter pytest's (0700, root's)
        self.folder, self.bin, self.port = Path(tempfile.mkdtemp(prefix="sdmx-publish-pg-")), bin_dir, free_port()
        self.data = self.folder / "data"
        #: with a password, the server checks it (scram-sha-256) instead of trusting every local connection
        self.password = password

    def _as_postgres(self, *args: str) -> None:
        run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        env = {**os.environ, **({"PGPASSWORD": self.password} if self.password else {})}
        out = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=300, check=False, env=env)
        if out.returncode:
            raise RuntimeError(f"{args[0]} failed: {out.stdout[-2000:]}{out.stderr[-2000:]}")

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        auth = ["--auth=trust"]
        if self.password:
            (self.folder / "pw").write_text(self.password)
            if os.geteuid() == 0:
                shutil.chown(self.folder / "pw", "postgres")
            auth = ["--auth=scram-sha-256", f"--pwfile={self.folder / 'pw'}"]
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", *auth,
                          "--encoding=UTF8", "--no-sync")
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                          "-w", "-t", "120", "-o", f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                          "-c max_connections=300 -c fsync=off", "start")
        self._as_postgres(str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                          "airflow")
        return f"postgres@127.0.0.1:{self.port}/airflow"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").is_file():
            self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


class Api:
    """Airflow's public REST API (``/api/v2``) with a JWT from ``POST /auth/token``."""

    def __init__(self, base: str) -> None:
        self.base, self.token = base, None

    def login(self, username: str, password: str) -> None:
        body = self.call("POST", "/auth/token", {"username": username, "password": password}, auth=False)
        self.token = body["access_token"]

    def call(self, method: str, path: str, body: Any = None, *, auth: bool = True, raw: bool = False) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        if auth and self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - 127.0.0.1 only
            payload = response.read()
            return (response.status, payload) if raw else json.loads(payload or b"null")

    def status(self, path: str, *, auth: bool = True) -> int:
        try:
            return self.call("GET", path, auth=auth, raw=True)[0]
        except urllib.error.HTTPError as e:
            return e.code
