"""Private files: the data directory holds personal data (databases, photos, reports, logs), so every
process keeps what it writes there readable by its own account only (files 0600, directories 0700).

Called once at the start of each process (worker, web app, scripts); no HTTP here.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

PRIVATE_UMASK = 0o077
FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private(data_dir: Path, database_url: str | None = None) -> None:
    """Sets the process umask and closes up what earlier versions left world-readable.

    Directories get 0700 (nothing under them is reachable by others, so their many files need no walk);
    files directly in the data directory (the SQLite databases and their -wal/-shm) get 0600.
    """
    os.umask(PRIVATE_UMASK)
    data_dir = Path(data_dir)
    if data_dir.is_dir():
        _chmod(data_dir, DIR_MODE)
        for entry in data_dir.iterdir():
            if entry.is_symlink():
                continue
            _chmod(entry, DIR_MODE if entry.is_dir() else FILE_MODE)
    database = _sqlite_file(database_url)
    if database is not None:
        for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
            if path.is_file():
                _chmod(path, FILE_MODE)


def private_dir(path: Path) -> Path:
    """mkdir -p with mode 0700 whatever the umask of the process that calls it."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    _chmod(path, DIR_MODE)
    return path


def write_private(target: Path, data: bytes) -> None:
    """Writes a 0600 file atomically: readers never see half of it, other accounts never see it at all."""
    partial = target.with_name(target.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(partial, FILE_MODE)  # an older .part left with another mode
    os.replace(partial, target)


def _sqlite_file(database_url: str | None) -> Path | None:
    if not database_url:
        return None
    try:
        url = make_url(database_url)
    except Exception:  # a malformed URL is reported by core.db with a clear message
        return None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def _chmod(path: Path, mode: int) -> None:
    try:
        os.chmod(path, mode)
    except PermissionError:  # a file owned by another account: not ours to change
        pass
