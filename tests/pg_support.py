"""A throwaway PostgreSQL cluster for the tests (tests/test_backup_pg.py, tests/test_health_db.py): initdb,
pg_ctl and psql of the Debian postgresql package, data, socket and log in one temp dir."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    return Path(on_path).parent if on_path else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A throwaway PostgreSQL cluster: data, socket and log in one temp dir; superuser via trust."""

    def __init__(self, bindir: Path, settings: str = ""):
        self.bindir, self.port = bindir, free_port()
        self.base = Path(tempfile.mkdtemp(prefix="mkslog-pg-"))  # not under pytest's 0700 root dir
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root: use the package's postgres user
            owner = pwd.getpwnam("postgres" if _user_exists("postgres") else "nobody")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
            self.as_user = ["runuser", "-u", owner.pw_name, "--"]
        self.data = self.base / "data"
        self._run(str(bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--no-locale", "-N")
        # The application user must authenticate with its password, on the socket and over TCP.
        (self.data / "pg_hba.conf").write_text(
            "local all postgres trust\nhost all postgres 127.0.0.1/32 trust\n"
            "local all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n")
        self._run(str(bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                  "-o", f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off {settings}",
                  "start")

    def _run(self, *cmd: str) -> None:
        subprocess.run([*self.as_user, *cmd], check=True, capture_output=True)

    def superuser_sql(self, sql: str, db: str = "postgres") -> str:
        return self.psql(sql, {"PGHOST": str(self.base), "PGPORT": str(self.port), "PGUSER": "postgres",
                               "PGDATABASE": db})

    def psql(self, sql: str, env: dict[str, str], check: bool = True) -> str:
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        proc = subprocess.run([str(self.bindir / "psql"), "-X", "-w", "-q", "-tA", "-v", "ON_ERROR_STOP=1"],
                              input=sql, capture_output=True, text=True, env=clean | env, check=False)
        if check and proc.returncode != 0:
            raise AssertionError(proc.stderr)
        return proc.stdout if proc.returncode == 0 else "FAILED: " + proc.stderr

    def stop(self) -> None:
        subprocess.run([*self.as_user, str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                        "stop"], capture_output=True, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
