"""Writing a file so that readers (and a crash) see the old content or the new, never
half of it: write under a temporary name in the same folder, fsync, rename over the
target, fsync the folder. The mode is set when the temporary file is created, so a
secret is never readable by others, not even for a moment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Everything a node writes holds personal data, secrets or a database URL: only the
# node's own account may read it (docs/operations.md "Files and permissions").
PRIVATE = 0o600


def write_atomically(
    path: Path, data: bytes | str, *, mode: int = PRIVATE, temp: Path | None = None
) -> None:
    """Replace `path` with `data` (text is UTF-8) atomically, created with `mode`.

    `temp` names the temporary file when a reader must recognise it (an SFTP inbox
    skips its `.part-` files); by default it is a hidden name unique to this process.
    """
    body = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, mode=mode, temp=temp) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)


@contextmanager
def atomic_path(path: Path, *, mode: int = PRIVATE, temp: Path | None = None) -> Iterator[Path]:
    """A temporary path to write `path`'s new content to (by any writer, e.g. Parquet);
    on success it is fsynced, given `mode` and renamed over `path`; on failure removed."""
    tmp = temp or path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    # Created empty with `mode` before any writer opens it: writers that open with a
    # truncate keep the mode, so no byte is ever readable with a wider one.
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
    try:
        yield tmp
        _fsync(tmp)
        os.chmod(tmp, mode)  # a writer that recreated the file must not widen it
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; folders cannot be opened on every platform.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
