"""Robust downloads with resume, retries and checksum verification (standard library only).

Used for the EvoAug data and weights on Zenodo (records 7265991 and 7277777). A download streams
into ``<dest>.part``; an interrupted transfer is resumed with an HTTP ``Range`` request when the
server honours it (``206 Partial Content``) and restarted otherwise; connection failures are
retried with exponential back-off. Only a file whose size and checksums match is renamed to
``dest`` (atomically); a mismatching file is deleted and the error names the URL and the expected
and actual values.

Where the config gives no checksum, :func:`published_checksums` reads the one the provider
publishes at download time: the Zenodo record API (``files[].checksum = "md5:<hex>"``, and the
size) or an MD5 list (``md5sum`` lines ``<md5>  <name>``, or tab-separated listings such as the
1000 Genomes ``current.tree`` whose rows hold a path and an MD5).

A *manifest* maps file names to ``{"url": ..., "sha256": ..., "md5": ..., "size": ...}`` (all but
``url`` optional; Zenodo publishes MD5 checksums) and is fetched with :func:`download_manifest`.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import logging
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

LOG = logging.getLogger(__name__)

__all__ = [
    "CHUNK",
    "ChecksumError",
    "DownloadError",
    "download",
    "download_file_spec",
    "download_manifest",
    "file_digests",
    "md5_from_list",
    "published_checksums",
    "verify_file",
    "zenodo_checksum",
]

#: Bytes read and written at a time.
CHUNK = 1 << 20

#: HTTP statuses worth retrying (timeouts, rate limits, server-side failures).
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_DIGESTS = ("sha256", "md5")
_MANIFEST_KEYS = ("url", "sha256", "md5", "size")

Log = Callable[[str], object]


class ChecksumError(ValueError):
    """A file's size or checksum differs from the expected one."""


class DownloadError(OSError):
    """A download failed for good (HTTP error, or every retry used up)."""


class _TransientError(Exception):
    """A failure that a new attempt may not meet (short transfer, retryable HTTP status)."""


def file_digests(
    path: str | os.PathLike, algorithms: tuple[str, ...] = ("sha256",), chunk: int = CHUNK
) -> dict[str, str]:
    """Hex digests of a file, all ``algorithms`` (hashlib names) computed in one pass."""
    hashers = {name: hashlib.new(name) for name in algorithms}
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            for hasher in hashers.values():
                hasher.update(block)
    return {name: hasher.hexdigest() for name, hasher in hashers.items()}


def verify_file(
    path: str | os.PathLike, sha256: str | None = None, size: int | None = None, md5: str | None = None
) -> None:
    """Check a file's size (bytes) and checksums (hex, any case); unchecked when ``None``.

    Raises ``FileNotFoundError`` when ``path`` does not exist and :class:`ChecksumError` naming the
    file and the expected and actual values on a mismatch.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"file to verify not found: {path}")
    if size is not None and path.stat().st_size != int(size):
        raise ChecksumError(f"{path}: size {path.stat().st_size} bytes, expected {int(size)}")
    expected = {name: value.lower() for name, value in zip(_DIGESTS, (sha256, md5)) if value is not None}
    if not expected:
        return
    actual = file_digests(path, tuple(expected))
    for name, value in expected.items():
        if actual[name] != value:
            raise ChecksumError(f"{path}: {name} {actual[name]}, expected {value}")


def _content_range_start(header: str | None) -> int | None:
    """First byte of a ``Content-Range: bytes a-b/total`` header, ``None`` when unparsable."""
    if not header or not header.startswith("bytes "):
        return None
    try:
        return int(header[len("bytes ") :].split("-", 1)[0])
    except ValueError:
        return None


class _Progress:
    """Logs ``received of total`` at most every ``interval`` seconds, and once at the end."""

    def __init__(self, name: str, done: int, total: int | None, log: Log, interval: float) -> None:
        self.name, self.done, self.total, self.log, self.interval = name, done, total, log, interval
        self.last = time.monotonic()

    def _report(self) -> None:
        done = f"{self.done / 2**20:.1f} MiB"
        if self.total:
            done += f" of {self.total / 2**20:.1f} MiB ({100 * self.done / self.total:.0f} %)"
        self.log(f"{self.name}: {done}")

    def advance(self, n_bytes: int) -> None:
        self.done += n_bytes
        if time.monotonic() - self.last >= self.interval:
            self.last = time.monotonic()
            self._report()

    def finish(self) -> None:
        self._report()


def _open(url: str, offset: int, timeout: float) -> http.client.HTTPResponse | None:
    """Request ``url`` from byte ``offset``; ``None`` when the server says the range is past the end."""
    headers = {"Range": f"bytes={offset}-"} if offset else {}
    try:
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code == 416 and offset:
            return None
        if error.code in RETRY_STATUSES:
            raise _TransientError(f"HTTP {error.code} {error.reason}") from error
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason}") from error


def _fetch_into(url: str, part: Path, size: int | None, chunk: int, timeout: float, log: Log, interval: float) -> None:
    """One attempt: append the rest of ``url`` to ``part`` (or rewrite it when resuming fails)."""
    offset = part.stat().st_size if part.exists() else 0
    if size is not None and offset >= int(size):
        if offset == int(size):
            return
        part.unlink()
        offset = 0
    response = _open(url, offset, timeout)
    if response is None:  # 416: nothing left to fetch; the verification judges the file
        return
    with response:
        if offset and response.status == 206:
            if _content_range_start(response.headers.get("Content-Range")) != offset:
                part.unlink()
                raise _TransientError(f"unexpected Content-Range {response.headers.get('Content-Range')!r}")
            log(f"{url}: resuming at byte {offset}")
        elif offset:
            log(f"{url}: the server ignores byte ranges; starting again from the beginning")
            offset = 0
        length = response.headers.get("Content-Length")
        expected_body = int(length) if length is not None else None
        total = offset + expected_body if expected_body is not None else size
        progress = _Progress(part.name.removesuffix(".part"), offset, total, log, interval)
        received = 0
        with open(part, "ab" if offset else "wb") as handle:
            while block := response.read(chunk):
                handle.write(block)
                received += len(block)
                progress.advance(len(block))
        progress.finish()
    if expected_body is not None and received < expected_body:
        raise _TransientError(f"connection closed after {received} of {expected_body} bytes")


def download(
    url: str,
    dest: str | os.PathLike,
    sha256: str | None = None,
    size: int | None = None,
    retries: int = 3,
    chunk: int = CHUNK,
    log: Log = LOG.info,
    *,
    md5: str | None = None,
    timeout: float = 60.0,
    backoff: float = 1.0,
    progress_interval: float = 10.0,
) -> Path:
    """Download ``url`` to ``dest``, resuming, retrying and verifying; return ``dest``.

    Parameters
    ----------
    url
        HTTP(S) address.
    dest
        Destination file. When it already exists and matches ``sha256``/``md5``/``size`` nothing
        is downloaded; when it does not match it is replaced.
    sha256, md5, size
        Expected checksums (hex) and size (bytes); ``None`` skips that check.
    retries
        Further attempts after a connection failure, short transfer or HTTP 408/429/5xx; the
        ``k``-th retry waits ``backoff * 2 ** (k - 1)`` seconds and resumes the partial file.
    chunk
        Bytes per read.
    log
        Receives progress and retry messages.
    timeout
        Seconds without data before an attempt fails.
    progress_interval
        Seconds between progress lines.

    Raises
    ------
    ChecksumError
        The downloaded file has the wrong size or checksum (it is deleted; nothing is left at
        ``dest``).
    DownloadError
        A non-retryable HTTP error, or every attempt failed.
    """
    dest = Path(dest)
    if retries < 0 or chunk < 1:
        raise ValueError(f"retries must be >= 0 and chunk >= 1, got {retries} and {chunk}")
    if dest.exists():
        try:
            verify_file(dest, sha256, size, md5)
            log(f"{dest}: present and verified")
            return dest
        except ChecksumError as error:
            log(f"{error}; downloading again")
            dest.unlink()
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = dest.with_name(dest.name + ".part")
    for attempt in range(retries + 1):
        try:
            _fetch_into(url, part, size, chunk, timeout, log, progress_interval)
            break
        except (
            _TransientError,
            urllib.error.URLError,
            http.client.HTTPException,
            ConnectionError,
            TimeoutError,
        ) as error:
            # HTTP errors never get here: _open turns them into _TransientError or DownloadError.
            if attempt == retries:
                raise DownloadError(f"{url}: failed after {retries + 1} attempt(s); last error: {error}") from error
            delay = backoff * 2**attempt
            log(f"{url}: {error}; retry {attempt + 1} of {retries} in {delay:.1f} s")
            time.sleep(delay)
    try:
        verify_file(part, sha256, size, md5)
    except ChecksumError as error:
        part.unlink()
        raise ChecksumError(f"{url}: downloaded file rejected and deleted: {error}") from None
    os.replace(part, dest)
    return dest


def download_manifest(manifest: Mapping[str, Mapping], directory: str | os.PathLike, **options) -> dict[str, Path]:
    """Download every entry ``{file name: {"url", "sha256"?, "md5"?, "size"?}}`` into ``directory``.

    ``options`` are passed to :func:`download`. Returns ``{file name: path}``.
    """
    paths = {}
    for name, entry in manifest.items():
        if not isinstance(entry, Mapping) or "url" not in entry:
            raise ValueError(f"manifest[{name!r}]: expected a mapping with a 'url', got {entry!r}")
        unknown = sorted(set(entry) - set(_MANIFEST_KEYS))
        if unknown:
            raise ValueError(f"manifest[{name!r}]: unknown key(s) {unknown}; allowed: {list(_MANIFEST_KEYS)}")
        if Path(name).name != name:
            raise ValueError(f"manifest: file name {name!r} must not contain a directory")
        paths[name] = download(
            entry["url"],
            Path(directory) / name,
            sha256=entry.get("sha256"),
            size=entry.get("size"),
            md5=entry.get("md5"),
            **options,
        )
    return paths


_MD5 = re.compile(r"^(?:md5:)?([0-9a-fA-F]{32})$")


def _fetch_text(url: str, timeout: float, limit: int = 256 << 20) -> str:
    """The body of ``url`` as text (metadata: JSON or a checksum list)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read(limit).decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{url}: HTTP {error.code} {error.reason} (checksum metadata)") from error
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as error:
        raise DownloadError(f"{url}: checksum metadata not readable: {error}") from error


def zenodo_checksum(record_url: str, name: str, timeout: float = 60.0) -> dict[str, object]:
    """``{"md5": hex, "size": bytes}`` of file ``name`` from a Zenodo record API address
    (``https://zenodo.org/api/records/<id>``: JSON whose ``files`` entries have ``key``,
    ``checksum = "md5:<hex>"`` and ``size``)."""
    text = _fetch_text(record_url, timeout)
    try:
        files = json.loads(text)["files"]
        # Zenodo's API lists files as a list; some versions as {"entries": {name: {...}}}.
        if isinstance(files, Mapping):
            files = list(files.get("entries", files).values())
        entry = next((f for f in files if (f.get("key") or f.get("filename")) == name), None)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DownloadError(f"{record_url}: not a Zenodo record (no 'files' list): {error}") from error
    if entry is None:
        raise DownloadError(f"{record_url}: the record lists no file {name!r}")
    match = _MD5.match(str(entry.get("checksum", "")))
    if match is None:
        raise DownloadError(f"{record_url}: file {name!r} has no MD5 checksum ({entry.get('checksum')!r})")
    size = entry.get("size")
    return {"md5": match[1].lower(), "size": int(size) if isinstance(size, int) and size > 0 else None}


def md5_from_list(list_url: str, file_url: str, timeout: float = 60.0) -> str:
    """The MD5 of the file at ``file_url`` in a published checksum list, read line by line.

    A line matches when one of its tokens is a tail of ``file_url``'s path (a bare file name as in
    ``md5sum`` output, or a path such as ``ftp/release/20130502/<name>`` in the 1000 Genomes
    ``current.tree``) and another is a 32-hex MD5.
    """
    path = urllib.parse.unquote(urllib.parse.urlsplit(file_url).path)
    try:
        with urllib.request.urlopen(list_url, timeout=timeout) as response:
            for raw in response:
                tokens = raw.decode("utf-8", errors="replace").split()
                if any(path.endswith("/" + token.lstrip("*").lstrip("./")) for token in tokens if token.strip("*./")):
                    digests = [token for token in tokens if _MD5.match(token)]
                    if digests:
                        return _MD5.match(digests[0])[1].lower()
    except urllib.error.HTTPError as error:
        raise DownloadError(f"{list_url}: HTTP {error.code} {error.reason} (checksum list)") from error
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError) as error:
        raise DownloadError(f"{list_url}: checksum list not readable: {error}") from error
    raise DownloadError(f"{list_url}: no MD5 listed for {path.rsplit('/', 1)[-1]!r}")


def published_checksums(
    url: str,
    *,
    zenodo_record: str | None = None,
    md5_list: str | None = None,
    timeout: float = 60.0,
    log: Log = LOG.info,
) -> dict[str, object]:
    """The provider's published checksum (and size, if given) of the file at ``url``.

    ``zenodo_record``: the record's API address; ``md5_list``: the address of an MD5 list. The file
    name is the last path component of ``url`` (query string dropped). Returns ``{}`` when neither
    source is given; raises :class:`DownloadError` when the source cannot be read or lacks the file.
    """
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1])
    if zenodo_record:
        found = zenodo_checksum(zenodo_record, name, timeout)
        log(f"{name}: MD5 {found['md5']} published by {zenodo_record}")
        return {key: value for key, value in found.items() if value is not None}
    if md5_list:
        md5 = md5_from_list(md5_list, url, timeout)
        log(f"{name}: MD5 {md5} published in {md5_list}")
        return {"md5": md5}
    return {}


def download_file_spec(spec: Mapping, dest: str | os.PathLike, log: Log = LOG.info, **options) -> Path:
    """Download a config file entry ``{"url", "md5"?, "sha256"?, "size"?, "zenodo_record"?,
    "md5_list"?}`` to ``dest``: the config's checksums first; where it has none, the provider's
    published MD5 (:func:`published_checksums`). A mismatching file is deleted. ``options`` go to
    :func:`download`."""
    spec = dict(spec)
    if not any(spec.get(key) for key in ("md5", "sha256")):
        published = published_checksums(
            spec["url"],
            zenodo_record=spec.get("zenodo_record"),
            md5_list=spec.get("md5_list"),
            timeout=options.get("timeout", 60.0),
            log=log,
        )
        spec.update({key: value for key, value in published.items() if not spec.get(key)})
    if not any(spec.get(key) for key in ("md5", "sha256", "size")):
        log(f"WARNING: {spec['url']}: no checksum or size in the config or published; the download is not verified")
    return download(
        spec["url"], dest, sha256=spec.get("sha256"), md5=spec.get("md5"), size=spec.get("size"), log=log, **options
    )
