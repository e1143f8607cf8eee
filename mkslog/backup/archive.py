"""Backup archives and their manifest: write the data tarball, hash every file and member, check safety.

``MANIFEST.json`` lists every file of a backup directory with its size and sha256; for a ``.tar.gz``
also every member (name, type, size, sha256 of the content, link target, mode), and for any other
``.gz`` the uncompressed size. :func:`scan_file` reads a file once, sequentially, and produces exactly
such an entry, so writing a manifest and verifying against it are the same code.

Standard library only (no polars, no parsers), like :mod:`mkslog.backup.create`.

>>> import tempfile, pathlib
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> (tmp / "data").mkdir(); _ = (tmp / "data" / "a.txt").write_text("hi")
>>> write_archive(tmp / "data", tmp / "data_1.tar.gz")
[]
>>> [(m["name"], m["type"], m["size"]) for m in scan_file(tmp / "data_1.tar.gz")["members"]]
[('data', 'dir', 0), ('data/a.txt', 'file', 2)]
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import posixpath
import tarfile
import zlib
from pathlib import Path
from typing import Any

from ..errors import BackupError
from ..files import atomic_write

MANIFEST = "MANIFEST.json"
MANIFEST_FORMAT = "mkslog-backup/1"
CHUNK = 1 << 20
TYPES = {
    tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file", tarfile.DIRTYPE: "dir",
    tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink", tarfile.FIFOTYPE: "fifo",
    tarfile.CHRTYPE: "chardev", tarfile.BLKTYPE: "blockdev", tarfile.GNUTYPE_SPARSE: "file",
}
# Reading any of these means the bytes on disk are not a valid archive.
DAMAGE = (OSError, EOFError, zlib.error, tarfile.TarError)


class _HashingReader(io.RawIOBase):
    """A read-only file wrapper that hashes and counts every byte passing through it."""

    def __init__(self, raw: io.BufferedReader):
        self.raw, self.sha, self.size = raw, hashlib.sha256(), 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        n = self.raw.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
            self.size += n
        return n


def private_file(path: Path):
    """Open a new file for writing with mode 0600 from the start: backups hold secrets."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def write_archive(data_dir: Path, dest: Path, name: str | None = None) -> list[str]:
    """Write ``data_dir`` as a gzipped PAX tar (top-level entry: ``name``, default the dir's name);
    return the names skipped.

    Only directories, regular files, symlinks and hard links go in: sockets, FIFOs and devices are
    skipped (and reported), since a safe restore would refuse them anyway. Symlinks stay symlinks
    when they point inside the tree by a relative path; any other symlink fails the backup with a
    BackupError naming it: its target would not be in the backup, and a restore refuses to recreate
    a link that leaves the restored tree (:func:`check_members`), so the backup could never be restored.
    """
    skipped: list[str] = []
    top = name or data_dir.name

    def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
        if info.issym() and symlink_leaves(info.name, info.linkname, top):
            shown = data_dir.joinpath(*info.name.split("/")[1:])
            raise BackupError(f"cannot back up the symlink {shown} -> {info.linkname}: it points outside the "
                              "data directory or by an absolute path, so its target would not be in the backup "
                              "and a restore could not recreate it safely (make it a relative link inside "
                              f"{data_dir}, or replace it by what it points to)")
        if info.isreg() or info.isdir() or info.issym() or info.islnk():
            return info
        skipped.append(info.name)
        return None

    with private_file(dest) as raw:
        # compresslevel 6 (gzip's default) instead of tarfile's 9: much faster, barely larger.
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, filename="") as gz, tarfile.open(
            fileobj=gz, mode="w", format=tarfile.PAX_FORMAT
        ) as tar:
            tar.add(data_dir, arcname=top, filter=keep)
        raw.flush()
        os.fsync(raw.fileno())
    return skipped


def symlink_leaves(name: str, linkname: str, top: str) -> bool:
    """Whether the symlink member ``name`` -> ``linkname`` points outside the tree ``top`` (or is absolute).

    >>> symlink_leaves("data/a/up", "../notes.txt", "data"), symlink_leaves("data/x", "../../etc", "data")
    (False, True)
    >>> symlink_leaves("data/x", "/srv/data/notes.txt", "data")
    True
    """
    dest = posixpath.normpath(posixpath.join(posixpath.dirname(posixpath.normpath(name)), linkname))
    return linkname.startswith("/") or not (dest == top or dest.startswith(top + "/"))


def scan_file(path: Path) -> dict[str, Any]:
    """Read ``path`` once: size, sha256, and for archives every member (see the module docstring).

    Raises BackupError when a ``.gz`` or ``.tar.gz`` cannot be read to its end (gzip CRC included).
    """
    with open(path, "rb") as fh:
        reader = _HashingReader(fh)
        extra: dict[str, Any] = {}
        try:
            if path.name.endswith(".tar.gz"):
                extra["members"] = _scan_tar(reader)
            elif path.name.endswith(".gz"):
                with gzip.GzipFile(fileobj=reader, mode="rb") as gz:
                    extra["uncompressed_size"] = _drain(gz)
        except DAMAGE as exc:
            raise BackupError(f"{path.name}: the file is damaged and cannot be read ({exc})") from exc
        while reader.read(CHUNK):  # bytes after the gzip stream still belong to the file's hash
            pass
    return {"name": path.name, "size": reader.size, "sha256": reader.sha.hexdigest(), **extra}


def _scan_tar(reader: _HashingReader) -> list[dict[str, Any]]:
    # Stream mode ("r|") reads strictly in order, so the file is hashed in the same single pass.
    with gzip.GzipFile(fileobj=reader, mode="rb") as gz:
        with tarfile.open(fileobj=gz, mode="r|") as tar:
            members = [member_entry(tar, m) for m in tar]
        _drain(gz)  # up to the gzip trailer, whose CRC check catches flipped bits tar would not see
    return members


def _drain(stream) -> int:
    total = 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
    return total


def member_entry(tar: tarfile.TarFile, member: tarfile.TarInfo) -> dict[str, Any]:
    """The manifest entry of one archive member (content hashed for regular files)."""
    entry: dict[str, Any] = {"name": member.name, "type": TYPES.get(member.type, "other"),
                             "size": member.size, "mode": f"{member.mode:04o}"}
    if member.isreg():
        sha = hashlib.sha256()
        content = tar.extractfile(member)
        while chunk := content.read(CHUNK):
            sha.update(chunk)
        entry["sha256"] = sha.hexdigest()
    if member.issym() or member.islnk():
        entry["linkname"] = member.linkname
    return entry


def write_manifest(backup_dir: Path, **info: Any) -> dict[str, Any]:
    """Scan every file in ``backup_dir`` and write MANIFEST.json atomically (:func:`mkslog.files.atomic_write`).

    ``info`` (kind, created, data_dir, database, errors ...) is stored alongside the file list.
    """
    files = []
    for path in sorted(backup_dir.iterdir()):
        if path.name in (MANIFEST, MANIFEST + ".tmp"):
            continue
        if path.is_symlink() or not path.is_file():
            raise BackupError(f"{path} is not a regular file: a backup directory holds only files")
        files.append(scan_file(path))
    manifest = {"format": MANIFEST_FORMAT, **info, "files": files}
    try:
        text = json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: escape everything, JSON stays valid
        text = json.dumps(manifest, indent=1).encode("ascii")
    # Whole or not at all, and on disk (file and directory entry) before the backup counts as made.
    atomic_write(backup_dir / MANIFEST, text, mode=0o600)
    return manifest


def read_manifest(backup_dir: Path) -> dict[str, Any]:
    """The parsed MANIFEST.json of ``backup_dir``; BackupError when it is missing or unreadable."""
    path = backup_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"no {MANIFEST} in {backup_dir}: the backup did not finish or is not an mkslog "
                          "backup (make a new backup, then delete this one)") from None
    except PermissionError as exc:
        raise BackupError(f"cannot read {path}: {exc.strerror} (run as a user who can read the backup: the "
                          "user that made it, or root)") from exc
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} cannot be read ({exc}): the manifest is damaged") from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise BackupError(f"{path} is not an mkslog backup manifest (no file list)")
    return manifest


def compare_entry(expected: dict[str, Any], actual: dict[str, Any], limit: int = 5) -> list[str]:
    """Differences between a manifest entry and a fresh :func:`scan_file` of the same file."""
    name = expected.get("name")
    problems = [f"{name}: {key} is {actual.get(key)!r}, MANIFEST.json says {expected.get(key)!r}"
                for key in ("size", "sha256", "uncompressed_size") if expected.get(key) != actual.get(key)]
    if problems[:1] and problems[0].startswith(f"{name}: sha256"):
        problems[0] += " (the file was changed or is corrupted)"
    want, got = expected.get("members"), actual.get("members")
    if want != got:
        want, got = want or [], got or []
        if len(want) != len(got):
            problems.append(f"{name}: the archive has {len(got)} members, MANIFEST.json lists {len(want)}")
        for w, g in zip(want, got, strict=False):
            if w != g:
                keys = sorted(k for k in set(w) | set(g) if w.get(k) != g.get(k))
                problems.append(f"{name}: member {w.get('name')!r} differs from MANIFEST.json in {', '.join(keys)}")
                if len(problems) >= limit:
                    break
    return problems


def check_members(members: list[tarfile.TarInfo]) -> str:
    """Refuse any member that could write outside the restore target; return the top-level dir name.

    Refused: absolute names, ``..`` components, more than one top-level entry, duplicates, members
    below a symlink (extracting them would write through the link), symlinks leaving the tree,
    absolute link targets, hard links to anything but an earlier file, devices and FIFOs. tarfile's
    ``data`` filter checks again during extraction; this pass refuses before anything is touched.

    >>> check_members([tarfile.TarInfo("../../etc/x")])
    Traceback (most recent call last):
    ...
    mkslog.errors.BackupError: unsafe archive member '../../etc/x': '..' in the path
    """
    return check_entries([{"name": m.name, "type": TYPES.get(m.type, "other"), "linkname": m.linkname}
                          for m in members])


def check_entries(entries: list[dict[str, Any]]) -> str:
    """:func:`check_members` on manifest-style member entries (name, type, linkname): what verify
    runs on the members it has just read, so that verify refuses exactly what restore would refuse.

    >>> check_entries([{"name": "data", "type": "dir"}, {"name": "data/x", "type": "symlink", "linkname": "/etc"}])
    Traceback (most recent call last):
    ...
    mkslog.errors.BackupError: unsafe archive member 'data/x': symlink to '/etc' points outside the restored tree
    """
    if not entries:
        raise BackupError("the archive is empty: there is nothing to restore")
    top, seen, files, links = None, set(), set(), set()
    for entry in entries:
        raw, kind, linkname = entry["name"], entry.get("type"), entry.get("linkname", "")
        parts = raw.split("/")

        def refuse(why: str, raw=raw) -> BackupError:
            return BackupError(f"unsafe archive member {raw!r}: {why}")

        if raw.startswith("/") or os.path.isabs(raw):
            raise refuse("absolute path")
        if ".." in parts:
            raise refuse("'..' in the path")
        name = posixpath.normpath(raw)
        parts = name.split("/")
        top = top or parts[0]
        if parts[0] != top or name in (".", ""):
            raise refuse(f"outside the archive's single top-level directory {top!r}")
        if name == top and kind != "dir":
            raise refuse("the top-level entry must be a directory")
        if name in seen:
            raise refuse("appears twice")
        if any("/".join(parts[:i]) in links for i in range(1, len(parts))):
            raise refuse("lies below a symlink")
        if kind == "symlink":
            if symlink_leaves(name, linkname, top):
                raise refuse(f"symlink to {linkname!r} points outside the restored tree")
            links.add(name)
        elif kind == "hardlink":
            if posixpath.normpath(linkname) not in files:
                raise refuse(f"hard link to {linkname!r}, which is not an earlier file of the archive")
        elif kind not in ("file", "dir"):
            raise refuse(f"special file ({kind if kind in TYPES.values() else 'unknown type'})")
        if kind == "file":
            files.add(name)
        seen.add(name)
    return top


def restore_filter(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo:
    """tarfile's ``data`` filter, but keeping permission bits and owners (minus setuid/setgid/sticky).

    The data filter guards against traversal and special files; its other changes (dropping group
    write, owners, and directory modes) would turn a 0700 data directory into a 0755 one owned by
    root: a restore must give the application back its own tree.
    """
    safe = tarfile.data_filter(member, dest)
    mode = member.mode & 0o777 if (member.isreg() or member.isdir()) else safe.mode
    return safe.replace(mode=mode, uid=member.uid, gid=member.gid, uname=member.uname,
                        gname=member.gname, deep=False)
