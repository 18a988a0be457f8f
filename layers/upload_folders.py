"""The app's per-session upload folders (``geoplan-upload-*`` in the system's temporary directory), and
their cleaning up.

An upload is written under its session's folder before it is staged (:func:`layers.uploads.stage_upload`).
A session that ends without saving or discarding its uploads would leave them behind, so a folder is
removed in two ways:

- when its session ends: :class:`UploadFolder` removes its folder when it is garbage-collected (the app
  keeps it in the session's state, which the server drops with the session) or when the process exits;
- by age, as a backstop for a server that was killed: :func:`sweep_stale_upload_folders` removes the
  folders of this user not used for :func:`max_upload_age_s` (``GEOPLAN_UPLOAD_MAX_AGE_HOURS``, default
  24). A folder in use is touched on every use (:meth:`UploadFolder.touch`), so an open session's folder
  is never that old.

Nothing is followed through a symlink, and only folders owned by the server's own user are swept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import time
import weakref
from pathlib import Path

from wuxi_atlas.analysis.errors import LayerError

__all__ = [
    "DEFAULT_MAX_AGE_HOURS",
    "UPLOAD_PREFIX",
    "UploadFolder",
    "max_upload_age_s",
    "sweep_stale_upload_folders",
]

#: The name every upload folder starts with.
UPLOAD_PREFIX = "geoplan-upload-"
#: Hours an upload folder may go unused before :func:`sweep_stale_upload_folders` removes it.
DEFAULT_MAX_AGE_HOURS = 24.0
_MAX_AGE_VARIABLE = "GEOPLAN_UPLOAD_MAX_AGE_HOURS"


def max_upload_age_s() -> float:
    """Seconds an upload folder may go unused: ``$GEOPLAN_UPLOAD_MAX_AGE_HOURS`` (hours), else 24 h."""
    text = os.environ.get(_MAX_AGE_VARIABLE, "").strip()
    if not text:
        return DEFAULT_MAX_AGE_HOURS * 3600
    try:
        hours = float(text)
    except ValueError:
        hours = -1.0
    if not hours > 0 or hours == float("inf"):
        raise LayerError(f"{_MAX_AGE_VARIABLE} must be a positive number of hours, not {text!r}")
    return hours * 3600


def _remove(path: str) -> None:
    shutil.rmtree(path, ignore_errors=True)


class UploadFolder:
    """One session's upload folder, created in the temporary directory and removed with this object.

    Keep it in the session's state: when the server drops the session, the object goes and takes the
    folder with it (``weakref.finalize``, which also runs at interpreter exit). :meth:`remove` removes
    it at once.
    """

    def __init__(self, parent: str | Path | None = None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=UPLOAD_PREFIX, dir=parent))
        self._finalizer = weakref.finalize(self, _remove, str(self.path))

    def __repr__(self) -> str:
        return f"UploadFolder({str(self.path)!r})"

    @property
    def exists(self) -> bool:
        return self.path.is_dir() and not self.path.is_symlink()

    def touch(self) -> None:
        """Mark the folder as in use now, so an age sweep leaves it alone."""
        with contextlib.suppress(OSError):
            os.utime(self.path)

    def remove(self) -> None:
        """Remove the folder and everything in it now."""
        self._finalizer()


def sweep_stale_upload_folders(
    max_age_s: float | None = None, *, parent: str | Path | None = None, now: float | None = None
) -> list[Path]:
    """Remove the upload folders (``geoplan-upload-*``) of this user unused for ``max_age_s`` seconds.

    ``parent`` is the folder to look in (default: the system's temporary directory); ``max_age_s``
    defaults to :func:`max_upload_age_s`. Age is the time since the folder itself last changed (an
    upload written, or :meth:`UploadFolder.touch`). Symlinks, files and other users' folders are left
    alone. Returns the folders removed.
    """
    limit = max_upload_age_s() if max_age_s is None else max_age_s
    folder = Path(parent) if parent is not None else Path(tempfile.gettempdir())
    moment = time.time() if now is None else now
    removed = []
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.name.startswith(UPLOAD_PREFIX)]
    except OSError:
        return []
    for name in names:
        path = folder / name
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        if moment - info.st_mtime > limit:
            shutil.rmtree(path, ignore_errors=True)
            if not path.exists():
                removed.append(path)
    return removed
