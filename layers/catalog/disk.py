"""The folder backend's footing on disk: files made durable, a refused write explained, what a failed
write created undone, and orphans swept without ever following or removing a symlink.

:mod:`layers.catalog.folder` writes a new file under a temporary name (``.tmp-<pid>-…``,
:data:`TMP_PREFIX`) in its final folder, ``fsync``s it (:func:`fsync_file`), renames it into place
(``os.replace``: atomic on POSIX) and ``fsync``s the folder (:func:`fsync_dir`). The pid in the name
lets :func:`sweep` tell a live writer's file from one left by a process killed outright; the sweep
works on folder descriptors opened with ``O_NOFOLLOW`` and unlinks only regular files.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

__all__ = [
    "TMP_PREFIX",
    "fsync_dir",
    "fsync_file",
    "resolves_inside",
    "sweep",
    "undo",
    "why_not_written",
    "write_failures",
]

#: The name prefix of a file being written; a sweep removes it once its writer is gone.
TMP_PREFIX = ".tmp-"


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (where the file system allows a folder to be fsync()ed)."""
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsync()ed
        handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def fsync_file(path: Path) -> None:
    """Make a written file durable before it is published."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _writer_alive(name: str) -> bool:
    """Whether the process whose pid a temporary file's name carries (``.tmp-<pid>-…``) still runs."""
    pid_text = name[len(TMP_PREFIX) :].split("-", 1)[0]
    if not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def resolves_inside(root: Path, path: Path) -> bool:
    """Whether ``path``, its symlinks resolved, is ``root`` (resolved already) or below it."""
    resolved = path.resolve()
    return resolved == root or resolved.is_relative_to(root)


def write_failures() -> tuple[type[BaseException], ...]:
    """What a write that the disk refuses raises: OSError, or GDAL's errors through pyogrio and rasterio."""
    import pyogrio.errors
    import rasterio.errors
    from rasterio._err import CPLE_BaseError

    return (
        OSError,
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        rasterio.errors.RasterioError,
        CPLE_BaseError,
    )


def _refusal(folder: Path, exc: BaseException) -> int | None:
    """The errno behind a failed write: the exception's own, else that of creating a file in ``folder``
    (GDAL reports "unable to open database file" without one)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    try:
        handle, name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{os.getpid()}-probe-", dir=folder)
    except OSError as probe:
        return probe.errno
    os.close(handle)
    with contextlib.suppress(OSError):
        os.unlink(name)
    return None


_WHY_NOT_WRITTEN = {
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "its folder is read-only (or not yours to write)",
    errno.EPERM: "its folder is read-only (or not yours to write)",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk is full (your quota is used up)",
}
_FOLDER_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)


def _open_folder(name: str, parent: int | None = None) -> int | None:
    """A descriptor of the real folder ``name`` (relative to ``parent``); None for a symlink or nothing."""
    try:
        return os.open(name, _FOLDER_FLAGS, dir_fd=parent)
    except OSError:  # ELOOP: a symlink; ENOTDIR, ENOENT: not a folder
        return None


def _remove_orphans(
    folder: int, relative: PurePosixPath, keep: set[PurePosixPath], only_temporary: bool
) -> None:
    """Unlink the regular files of an open folder that ``keep`` does not name; never a symlink, never
    through one (everything is relative to the folder's descriptor)."""
    for name in os.listdir(folder):
        if only_temporary and not name.startswith(TMP_PREFIX):
            continue
        with contextlib.suppress(OSError):
            if not stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                continue
            if relative / name in keep or (name.startswith(TMP_PREFIX) and _writer_alive(name)):
                continue
            os.unlink(name, dir_fd=folder)


def why_not_written(folder: Path, exc: BaseException) -> str | None:
    """Why the disk refused a write into ``folder`` (read-only, full …), in words; None when it does not
    say."""
    return _WHY_NOT_WRITTEN.get(_refusal(folder, exc) or 0)


def undo(created: Sequence[Path]) -> None:
    """Remove what a failed write created (files, their SQLite journals, folders left empty), newest
    first."""
    for path in reversed(created):
        with contextlib.suppress(OSError):
            if path.is_dir():
                path.rmdir()  # only if empty: another import may be using it
            else:
                path.unlink(missing_ok=True)
                for sidecar in path.parent.glob(f"{path.name}-*"):  # SQLite journals
                    sidecar.unlink(missing_ok=True)


def sweep(root: Path, keep: set[PurePosixPath]) -> None:
    """Remove the files under ``root`` that ``keep`` does not name, left by an import killed outright.

    Run under the catalog's exclusive lock, so a version file that ``keep`` does not name is an orphan;
    a temporary file is removed only when the process named in it is gone. Only regular files in the
    catalog's own folders (``layers/<kind>/``, ``rasters/<kind>/`` and temporary files at the top) go:
    a symlink is never followed (a ``rasters/landcover`` linked to another folder is left alone, and so
    is everything in it) and never removed.
    """
    try:  # the root itself may be a symlink: the user chose it
        top_folder = os.open(root, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        _remove_orphans(top_folder, PurePosixPath(), keep, only_temporary=True)
        for top in ("layers", "rasters"):
            folder = _open_folder(top, top_folder)
            if folder is None:
                continue
            try:
                for kind in os.listdir(folder):
                    kind_folder = _open_folder(kind, folder)
                    if kind_folder is None:
                        continue
                    try:
                        _remove_orphans(kind_folder, PurePosixPath(top, kind), keep, only_temporary=False)
                    finally:
                        os.close(kind_folder)
            finally:
                os.close(folder)
    finally:
        os.close(top_folder)
