"""Where a store lives: a local folder, or a prefix in an S3-compatible bucket (``s3://bucket/prefix``).

Every file operation of the store goes through one :class:`Location`, backed by a
``pyarrow.fs`` filesystem, so the same code writes a folder and a bucket. The differences are
kept here: a local part is written under a hidden temporary name, fsynced and renamed; an
object is written straight to its key (an S3 PUT or multipart upload appears whole or not at
all). Credentials and endpoint come from the usual AWS variables (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_DEFAULT_REGION``, ``AWS_ENDPOINT_URL`` for MinIO, Ceph or a
test server, ``AWS_ALLOW_HTTP=true`` for a plain-http endpoint), which pyarrow and polars both read.

>>> import tempfile
>>> loc = Location(tempfile.mkdtemp())
>>> loc.remote, loc.exists("kind=access")
(False, False)
>>> loc.put_bytes("a/b.txt", b"hi"); loc.read_bytes("a/b.txt"), loc.list("a")
(b'hi', ['a/b.txt'])
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable

from ..errors import StoreError
from ..files import durable_rename


class Location:
    """A store's root: ``uri(rel)`` names a file for polars, the other methods read and write it."""

    def __init__(self, store: str | os.PathLike):
        import pyarrow.fs as pafs  # loaded by the store's work, not by every text query
        text = os.fspath(store)
        self.remote = "://" in text and not text.startswith("file://")
        if self.remote:
            if "?" in text:
                raise StoreError(f"{text}: give the store as scheme://bucket/prefix without options; set the "
                                 "endpoint and credentials in AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID ...")
            self.scheme = text.split("://", 1)[0]
            try:
                self.fs, base = pafs.FileSystem.from_uri(text)
            except (OSError, ValueError) as exc:
                raise StoreError(f"cannot open the store {text}: {exc}") from exc
            self.base = base.rstrip("/")
            self.name = f"{self.scheme}://{self.base}"
        else:
            self.scheme = "file"
            self.fs = pafs.LocalFileSystem()
            self.base = os.path.abspath(text.removeprefix("file://"))
            self.name = text

    def __str__(self) -> str:
        return self.name

    def _key(self, rel: str) -> str:
        return f"{self.base}/{rel}" if rel else self.base

    def uri(self, rel: str) -> str:
        """``rel`` as polars and DuckDB name it: a local path or ``s3://bucket/prefix/rel``."""
        return os.path.join(self.base, rel) if not self.remote else f"{self.scheme}://{self._key(rel)}"

    def exists(self, rel: str) -> bool:
        import pyarrow.fs as pafs  # loaded by the store's work, not by every text query
        return self.fs.get_file_info(self._key(rel)).type != pafs.FileType.NotFound

    def is_file(self, rel: str) -> bool:
        import pyarrow.fs as pafs  # loaded by the store's work, not by every text query
        return self.fs.get_file_info(self._key(rel)).type == pafs.FileType.File

    def is_empty(self) -> bool:
        """True for a missing root, an empty one, or one holding only lock files."""
        if not self.exists(""):
            return True
        return all(os.path.basename(r).endswith(".lock") for r in self.list(""))

    def list(self, rel: str) -> list[str]:
        """The files under ``rel`` (recursively), relative to the root, sorted."""
        import pyarrow.fs as pafs  # loaded by the store's work, not by every text query
        if not self.exists(rel):
            return []
        infos = self.fs.get_file_info(pafs.FileSelector(self._key(rel), recursive=True))
        cut = len(self.base) + 1
        return sorted(i.path[cut:] for i in infos if i.type == pafs.FileType.File)

    def read_bytes(self, rel: str) -> bytes:
        with self.fs.open_input_stream(self._key(rel)) as fh:
            return fh.read()

    def put_bytes(self, rel: str, data: bytes) -> None:
        """Write ``data`` so that a reader sees the old content or the new, never a part."""
        self.write(rel, lambda out: out.write(data))

    def write(self, rel: str, fill: Callable) -> None:
        """``fill(stream)`` writes the file whole (see :meth:`open_output`)."""
        out = self.open_output(rel)
        try:
            fill(out.stream)
        except BaseException:
            out.abort()
            raise
        out.commit()

    def open_output(self, rel: str) -> Output:
        """A stream for ``rel`` that readers see only once committed: a temporary name renamed
        (local, fsynced), or the key itself (an object store shows an upload once complete)."""
        final = self._key(rel)
        if self.remote:
            return Output(self, final, final)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        tmp = os.path.join(os.path.dirname(final), f".{os.path.basename(final)}.{uuid.uuid4().hex[:8]}.tmp")
        return Output(self, tmp, final)

    def delete(self, rel: str) -> None:
        try:
            self.fs.delete_file(self._key(rel))
        except FileNotFoundError:
            pass

    def prune_dirs(self, rel: str) -> None:
        """Remove empty folders under ``rel`` (local only: an object store has no folders)."""
        if self.remote:
            return
        top = self._key(rel)
        for folder, _dirs, _files in sorted(os.walk(top), reverse=True):
            if folder != top and not os.listdir(folder):
                os.rmdir(folder)

    def local_path(self, rel: str) -> str | None:
        """The path on this machine of ``rel``, None for a remote store."""
        return None if self.remote else self._key(rel)


class Output:
    """An open file of a :class:`Location`: ``commit()`` puts it in place, ``abort()`` removes it."""

    def __init__(self, loc: Location, where: str, final: str):
        self.loc, self.where, self.final = loc, where, final
        self.stream = loc.fs.open_output_stream(where)

    def commit(self) -> None:
        self.stream.close()
        if self.where != self.final:
            durable_rename(self.where, self.final)

    def abort(self) -> None:
        try:
            self.stream.close()
        finally:
            try:
                self.loc.fs.delete_file(self.where)
            except FileNotFoundError:
                pass


__all__ = ["Location", "Output"]
