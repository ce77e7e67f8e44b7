"""Writing a fixed file without ever leaving it half-written.

The new bytes are written to an unnamed temporary file in the same folder (Linux ``O_TMPFILE``;
elsewhere a hidden ``.<name>.*.caplint-tmp`` file), flushed and fsynced, given the original's
permission bits and owner, and renamed over the original with :func:`os.replace` (atomic on
POSIX and Windows).  A reader -- or a crash, or ``kill -9`` -- sees either the old file or the new
one, never a mix; killed while the data is written, an unnamed temporary file leaves nothing
behind.  A symlink is followed: the link's target is replaced and the link stays a link.  A file
with other hard links is refused: replacing it would leave the old text (the protected
information) under the other names.

The original's encoding is kept by :func:`encode_like`: UTF-8 with or without a byte-order
mark, or UTF-16/UTF-32 as declared by its byte-order mark.  Line endings are kept by the fixer,
which edits text that already contains them.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path
from typing import BinaryIO

BOM = codecs.BOM_UTF8
#: byte-order marks and the codec of the text after them (UTF-32 first: its LE mark starts
#: with UTF-16's)
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
#: errors of ``os.link`` meaning "not possible here" (no /proc, another file system...)
_LINK_UNSUPPORTED = {errno.EPERM, errno.ENOENT, errno.EXDEV, errno.EOPNOTSUPP, errno.EACCES,
                     errno.EINVAL, errno.ENOSYS}


class ChangedOnDisk(OSError):
    """The file changed between reading and writing it; nothing was written."""


class HardLinked(OSError):
    """The file has other hard links; replacing it would leave the old text under them."""


def encoding_of(original: bytes) -> tuple[bytes, str]:
    """The byte-order mark of ``original`` (b"" if none) and the codec of its text."""
    for mark, codec in _BOMS:
        if original.startswith(mark):
            return mark, codec
    return b"", "utf-8"


def decode_like(original: bytes) -> str:
    """The text of a file's bytes, as :func:`encode_like` will write it back."""
    mark, codec = encoding_of(original)
    return original[len(mark):].decode(codec)


def encode_like(text: str, original: bytes) -> bytes:
    """``text`` in the encoding of ``original``: UTF-8 (with its byte-order mark if it had
    one), or UTF-16/UTF-32 of the same byte order, mark included."""
    mark, codec = encoding_of(original)
    return mark + text.encode(codec)


def write_atomic(path: str | os.PathLike[str], data: bytes, expected: bytes | None = None) -> None:
    """Replace the file at ``path`` (or a symlink's target) with ``data``, atomically.

    ``expected`` is the content the caller read: if the file no longer holds it (another
    program wrote it meanwhile), :class:`ChangedOnDisk` is raised and nothing is written.
    The permission bits and (where allowed) the owner are kept; on failure the temporary file
    is removed and the original is left as it was.
    """
    target = Path(os.path.realpath(path))
    info = target.stat()
    if info.st_nlink > 1:
        raise HardLinked(f"{path}: has {info.st_nlink} hard links; replacing it would keep the "
                         "old text under the other names (break the links, then fix)")
    if expected is not None and target.read_bytes() != expected:
        raise ChangedOnDisk(f"{path}: changed on disk while it was being fixed; not written")
    if not _write_unnamed(target, data, info):
        _write_named(target, data, info)
    _fsync_folder(target.parent)


def _named_temporary(target: Path) -> tuple[int, str]:
    """A new hidden ``.<name>.*.caplint-tmp`` file next to ``target``: its descriptor and name."""
    return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".caplint-tmp", dir=target.parent)


def _reserve_name(target: Path) -> str:
    handle, name = _named_temporary(target)
    os.close(handle)
    return name


def _open_written(descriptor: int, data: bytes) -> BinaryIO:
    """The open file of ``descriptor`` holding ``data``, flushed and fsynced (on the disk before
    anything is renamed).  The caller closes it; if anything here fails, it is closed (the
    descriptor too, if it could not even be wrapped) and the error raised."""
    try:
        stream = os.fdopen(descriptor, "wb")
    except BaseException:
        os.close(descriptor)
        raise
    try:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())
    except BaseException:
        stream.close()
        raise
    return stream


def _finish(name: str, target: Path, info: os.stat_result) -> None:
    """Give the temporary file the original's mode and owner, then rename it over the
    original."""
    os.chmod(name, stat.S_IMODE(info.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away
            os.chown(name, info.st_uid, info.st_gid)
    os.replace(name, target)


def _write_unnamed(target: Path, data: bytes, info: os.stat_result) -> bool:
    """Write through an ``O_TMPFILE`` file that has no name until the data is on disk.
    False (and nothing done) where that is not available."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return False
    try:
        descriptor = os.open(target.parent, flag | os.O_WRONLY, 0o600)
    except OSError:
        return False  # a file system without unnamed temporary files
    name: str | None = None
    unsupported = False
    try:
        with _open_written(descriptor, data) as stream:
            name = _reserve_name(target)
            os.unlink(name)
            try:
                os.link(f"/proc/self/fd/{stream.fileno()}", name)
            except OSError as exc:
                if exc.errno not in _LINK_UNSUPPORTED:
                    raise
                name, unsupported = None, True
        if unsupported:
            return False
        _finish(name, target, info)
        name = None
    except BaseException:
        if name is not None:
            with contextlib.suppress(OSError):
                os.unlink(name)
        raise
    return True


def _write_named(target: Path, data: bytes, info: os.stat_result) -> None:
    """Write through a hidden named temporary file (removed if anything fails)."""
    handle, name = _named_temporary(target)
    try:
        _open_written(handle, data).close()
        _finish(name, target, info)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


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
