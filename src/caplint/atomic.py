"""Writing a fixed file without ever leaving it half-written.

The new bytes go to a temporary file in the same folder, which is flushed and fsynced, given the
original's permission bits, and renamed over the original with :func:`os.replace` (atomic on
POSIX and Windows).  A reader -- or a crash -- sees either the old file or the new one, never a
mix.  A symlink is followed: the link's target is replaced and the link stays a link.  The
original's encoding details are the caller's business (see :func:`encode_like`): caplint keeps
UTF-8, a byte-order mark if there was one, and the line endings, by editing text that already
contains them.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

BOM = b"\xef\xbb\xbf"


class ChangedOnDisk(OSError):
    """The file changed between reading and writing it; nothing was written."""


def encode_like(text: str, original: bytes) -> bytes:
    """``text`` as UTF-8, with a byte-order mark if ``original`` started with one."""
    data = text.encode("utf-8")
    return BOM + data if original.startswith(BOM) else data


def write_atomic(path: str | os.PathLike[str], data: bytes, expected: bytes | None = None) -> None:
    """Replace the file at ``path`` (or a symlink's target) with ``data``, atomically.

    ``expected`` is the content the caller read: if the file no longer holds it (another
    program wrote it meanwhile), :class:`ChangedOnDisk` is raised and nothing is written.
    The permission bits are kept; on failure the temporary file is removed and the original
    is left as it was.
    """
    target = Path(os.path.realpath(path))
    folder = target.parent
    info = target.stat()
    if expected is not None and target.read_bytes() != expected:
        raise ChangedOnDisk(f"{path}: changed on disk while it was being fixed; not written")
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".caplint-tmp",
                                         dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        if hasattr(os, "chown"):
            with contextlib.suppress(OSError):  # only root may give a file away
                os.chown(temporary, info.st_uid, info.st_gid)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(folder)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    if os.name != "posix":
        return
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
