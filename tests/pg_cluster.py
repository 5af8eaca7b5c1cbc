"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary folder owned by the
``postgres`` system user (PostgreSQL refuses to run as root), listening on a unix socket in
that folder only (no TCP port), trust authentication, ``fsync=off``."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

BIN = Path("/usr/lib/postgresql/15/bin")
USER = "postgres"


def available() -> str | None:
    """Why a cluster cannot be started here (``None``: it can)."""
    if not (BIN / "initdb").is_file():
        return f"PostgreSQL is not installed ({BIN / 'initdb'} missing; scripts/setup.sh --dev)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser to start PostgreSQL as its own user"
    return None


class Cluster:
    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="intervju-pg-"))
        self.data = self.root / "data"
        self.socket = self.root

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, USER, USER)
        self.root.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8")
        options = f"-c listen_addresses='' -k {self.socket} -c fsync=off -c full_page_writes=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-l",
            str(self.root / "log"),
            "start",
        )

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def create_database(self) -> str:
        """A fresh, empty database; its SQLAlchemy URL."""
        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://{USER}@/{name}?host={self.socket}"

    def drop_database(self, url: str) -> None:
        name = url.split("/")[-1].split("?")[0]
        with psycopg.connect(self._conninfo("postgres"), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def _conninfo(self, database: str) -> str:
        return f"host={self.socket} user={USER} dbname={database}"

    def _run(self, program: str, *args: str) -> None:
        command = [str(BIN / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", USER, "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root)
