"""Downloads from a local HTTP server (127.0.0.1): verification, rejection, resumption, retries,
and checksums the provider publishes (Zenodo record API, MD5 lists) where the config has none."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import numpy as np
import pytest

from genomic_dl.download import (
    ChecksumError,
    DownloadError,
    download,
    download_file_spec,
    download_manifest,
    published_checksums,
    verify_file,
)
from genomic_dl.evoaug2023.h5data import SPLITS, load_evoaug_h5, write_evoaug_h5


class RangeHandler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.files``; honours ``Range: bytes=a-`` when ``server.ranges``; cuts the next
    ``server.cuts`` responses after half of their body; answers ``server.status`` when set."""

    def do_GET(self) -> None:
        server = self.server
        server.requests.append((self.path, self.headers.get("Range")))
        if server.status is not None:
            self.send_error(server.status)
            return
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = 0
        requested = self.headers.get("Range")
        if requested and server.ranges:
            start = int(requested.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        payload = body[start:]
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if server.cuts > 0:
            server.cuts -= 1
            self.wfile.write(payload[: len(payload) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(payload)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture()
def server():
    """A threaded HTTP server on 127.0.0.1 (HTTP/1.0: one connection per request)."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RangeHandler)
    httpd.files, httpd.requests, httpd.ranges, httpd.cuts, httpd.status = {}, [], True, 0, None
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture()
def h5_bytes(tmp_path) -> bytes:
    """A small EvoAug-layout file (several hundred kB, so a transfer takes several chunks)."""
    rng = np.random.default_rng(3)
    arrays = {}
    for split, n in zip(SPLITS, (300, 50, 50)):
        codes = rng.integers(0, 4, size=(n, 200))
        arrays[f"x_{split}"] = (codes[:, None, :] == np.arange(4)[None, :, None]).astype(np.float32)
        arrays[f"y_{split}"] = rng.integers(0, 2, size=(n, 1)).astype(np.float32)
    path = tmp_path / "source" / "CTCF_200.h5"
    write_evoaug_h5(path, arrays, layout="lower")
    return path.read_bytes()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def quiet_download(*args, **kwargs):
    messages: list[str] = []
    kwargs.setdefault("backoff", 0.0)
    kwargs.setdefault("timeout", 10.0)
    path = download(*args, log=messages.append, **kwargs)
    return path, messages


def test_download_verifies_and_loads(server, h5_bytes, tmp_path):
    server.files["/CTCF_200.h5"] = h5_bytes
    dest = tmp_path / "data" / "CTCF_200.h5"
    path, messages = quiet_download(
        f"{server.base_url}/CTCF_200.h5", dest, sha256=sha256_of(h5_bytes), size=len(h5_bytes), chunk=65536
    )
    assert path == dest and dest.read_bytes() == h5_bytes
    assert not dest.with_name("CTCF_200.h5.part").exists()
    assert messages and "100 %" in messages[-1]
    assert load_evoaug_h5(dest)["x_train"].shape == (300, 4, 200)
    # A second call finds the verified file and makes no request.
    quiet_download(f"{server.base_url}/CTCF_200.h5", dest, sha256=sha256_of(h5_bytes))
    assert len(server.requests) == 1


def test_wrong_checksum_is_rejected_and_nothing_is_left(server, h5_bytes, tmp_path):
    server.files["/CTCF_200.h5"] = h5_bytes
    dest = tmp_path / "data" / "CTCF_200.h5"
    wrong = "0" * 64
    url = f"{server.base_url}/CTCF_200.h5"
    with pytest.raises(ChecksumError) as caught:
        quiet_download(url, dest, sha256=wrong)
    assert url in str(caught.value)
    assert wrong in str(caught.value) and sha256_of(h5_bytes) in str(caught.value)
    assert list(dest.parent.iterdir()) == []


def test_wrong_size_is_rejected(server, h5_bytes, tmp_path):
    server.files["/f.h5"] = h5_bytes
    with pytest.raises(ChecksumError, match=f"size {len(h5_bytes)} bytes, expected {len(h5_bytes) + 1}"):
        quiet_download(f"{server.base_url}/f.h5", tmp_path / "data" / "f.h5", size=len(h5_bytes) + 1)
    assert list((tmp_path / "data").iterdir()) == []


def test_interrupted_transfer_is_resumed_with_a_range_request(server, h5_bytes, tmp_path):
    server.files["/CTCF_200.h5"] = h5_bytes
    server.cuts = 1
    dest = tmp_path / "CTCF_200.h5"
    path, messages = quiet_download(f"{server.base_url}/CTCF_200.h5", dest, sha256=sha256_of(h5_bytes), chunk=4096)
    assert path.read_bytes() == h5_bytes
    assert [r for _, r in server.requests] == [None, f"bytes={len(h5_bytes) // 2}-"]
    assert any("resuming at byte" in m for m in messages)


def test_server_without_ranges_restarts_from_the_beginning(server, h5_bytes, tmp_path):
    server.files["/CTCF_200.h5"] = h5_bytes
    server.ranges = False
    dest = tmp_path / "CTCF_200.h5"
    dest.with_name("CTCF_200.h5.part").write_bytes(b"stale partial content")
    path, messages = quiet_download(f"{server.base_url}/CTCF_200.h5", dest, sha256=sha256_of(h5_bytes))
    assert path.read_bytes() == h5_bytes
    assert any("ignores byte ranges" in m for m in messages)


def test_complete_partial_file_is_verified_without_refetching(server, h5_bytes, tmp_path):
    server.files["/f.h5"] = h5_bytes
    dest = tmp_path / "f.h5"
    dest.with_name("f.h5.part").write_bytes(h5_bytes)
    quiet_download(f"{server.base_url}/f.h5", dest, sha256=sha256_of(h5_bytes), size=len(h5_bytes))
    assert dest.read_bytes() == h5_bytes and server.requests == []


def test_retries_are_exhausted_on_server_errors(server, tmp_path):
    server.status = 503
    url = f"{server.base_url}/f.h5"
    with pytest.raises(DownloadError, match="failed after 3 attempt"):
        quiet_download(url, tmp_path / "f.h5", retries=2)
    assert len(server.requests) == 3
    assert not (tmp_path / "f.h5").exists()


def test_not_found_is_not_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        quiet_download(f"{server.base_url}/missing.h5", tmp_path / "missing.h5", retries=3)
    assert len(server.requests) == 1


def test_stale_destination_is_replaced(server, h5_bytes, tmp_path):
    server.files["/f.h5"] = h5_bytes
    dest = tmp_path / "f.h5"
    dest.write_bytes(b"old version")
    path, messages = quiet_download(f"{server.base_url}/f.h5", dest, sha256=sha256_of(h5_bytes))
    assert path.read_bytes() == h5_bytes
    assert "downloading again" in messages[0]


def test_verify_file(tmp_path):
    path = tmp_path / "blob"
    path.write_bytes(b"abc")
    verify_file(path, sha256=sha256_of(b"abc").upper(), size=3, md5=hashlib.md5(b"abc").hexdigest())
    with pytest.raises(ChecksumError, match=f"md5 {hashlib.md5(b'abc').hexdigest()}, expected 00"):
        verify_file(path, md5="00")
    with pytest.raises(FileNotFoundError, match="absent"):
        verify_file(tmp_path / "absent")


def test_manifest_downloads_every_entry(server, h5_bytes, tmp_path):
    server.files["/a.h5"], server.files["/b.txt"] = h5_bytes, b"motifs"
    manifest = {
        "a.h5": {
            "url": f"{server.base_url}/a.h5",
            "md5": hashlib.md5(h5_bytes).hexdigest(),
            "size": len(h5_bytes),
        },
        "b.txt": {"url": f"{server.base_url}/b.txt"},
    }
    paths = download_manifest(manifest, tmp_path / "data", log=lambda message: None, backoff=0.0)
    assert paths["a.h5"].read_bytes() == h5_bytes and paths["b.txt"].read_bytes() == b"motifs"
    with pytest.raises(ValueError, match=r"manifest\['c'\].*unknown key"):
        download_manifest({"c": {"url": "http://x", "sha": "1"}}, tmp_path)


# --------------------------------------------------------------------------- published checksums


def zenodo_record(files: dict[str, bytes]) -> bytes:
    """A Zenodo record API answer (the fields the download reads) for ``files``."""
    entries = [
        {"key": name, "size": len(data), "checksum": f"md5:{hashlib.md5(data).hexdigest()}"}
        for name, data in files.items()
    ]
    return json.dumps({"id": 7265991, "files": entries}).encode()


def zenodo_spec(server, name: str) -> dict:
    """The spec EvoAugPlan.download_spec gives the download rule, pointed at the loopback server."""
    return {
        "url": f"{server.base_url}/records/7265991/files/{name}?download=1",
        "md5": None,
        "size": None,
        "zenodo_record": f"{server.base_url}/api/records/7265991",
    }


def corrupted(data: bytes) -> bytes:
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 0xFF
    return bytes(flipped)


def test_published_zenodo_md5_is_used_when_the_config_has_none(server, h5_bytes, tmp_path):
    server.files["/api/records/7265991"] = zenodo_record({"CTCF_200.h5": h5_bytes})
    server.files["/records/7265991/files/CTCF_200.h5?download=1"] = h5_bytes
    messages = []
    dest = download_file_spec(
        zenodo_spec(server, "CTCF_200.h5"), tmp_path / "CTCF_200.h5", log=messages.append, backoff=0.0
    )
    assert dest.read_bytes() == h5_bytes
    assert any(hashlib.md5(h5_bytes).hexdigest() in m and "published" in m for m in messages)


def test_corrupted_zenodo_file_is_rejected_by_the_published_md5_and_nothing_is_left(server, h5_bytes, tmp_path):
    server.files["/api/records/7265991"] = zenodo_record({"CTCF_200.h5": h5_bytes})
    server.files["/records/7265991/files/CTCF_200.h5?download=1"] = corrupted(h5_bytes)
    with pytest.raises(ChecksumError, match=r"md5 [0-9a-f]{32}, expected " + hashlib.md5(h5_bytes).hexdigest()):
        download_file_spec(
            zenodo_spec(server, "CTCF_200.h5"), tmp_path / "data" / "CTCF_200.h5", log=lambda m: None, backoff=0.0
        )
    assert list((tmp_path / "data").iterdir()) == []  # neither the file nor a .part


def test_a_config_md5_wins_over_the_published_one(server, h5_bytes, tmp_path):
    server.files["/records/7265991/files/CTCF_200.h5?download=1"] = h5_bytes
    spec = {**zenodo_spec(server, "CTCF_200.h5"), "md5": hashlib.md5(h5_bytes).hexdigest()}
    download_file_spec(spec, tmp_path / "CTCF_200.h5", log=lambda m: None, backoff=0.0)
    assert [path for path, _ in server.requests] == ["/records/7265991/files/CTCF_200.h5?download=1"]


def test_record_without_the_file_stops_before_downloading(server, h5_bytes, tmp_path):
    server.files["/api/records/7265991"] = zenodo_record({"other.h5": b"x"})
    with pytest.raises(DownloadError, match=r"lists no file 'CTCF_200.h5'"):
        download_file_spec(zenodo_spec(server, "CTCF_200.h5"), tmp_path / "CTCF_200.h5", log=lambda m: None)
    assert not (tmp_path / "CTCF_200.h5").exists()


@pytest.mark.parametrize("listing", ["md5sum", "current.tree"])
def test_published_md5_list_is_read_and_a_corrupted_file_rejected(server, tmp_path, listing):
    body = b"##fileformat=VCFv4.1\n" * 2000
    name = "ALL.chr2.phase3.genotypes.vcf.gz"
    md5 = hashlib.md5(body).hexdigest()
    if listing == "md5sum":
        text = f"{'0' * 32}  other.vcf.gz\n{md5}  {name}\n"
    else:  # path, type, size, date, md5; the same name in another folder must not match
        text = (
            f"ftp/release/20110521/{name}\tfile\t1\t2011-05-21\t{'1' * 32}\n"
            f"ftp/release/20130502/{name}\tfile\t{len(body)}\t2013-05-02\t{md5}\n"
        )
    server.files["/vol1/ftp/list"] = text.encode()
    server.files[f"/vol1/ftp/release/20130502/{name}"] = body
    spec = {
        "url": f"{server.base_url}/vol1/ftp/release/20130502/{name}",
        "md5": None,
        "md5_list": f"{server.base_url}/vol1/ftp/list",
    }
    assert download_file_spec(spec, tmp_path / "ok" / name, log=lambda m: None).read_bytes() == body
    server.files[f"/vol1/ftp/release/20130502/{name}"] = corrupted(body)
    with pytest.raises(ChecksumError, match=md5):
        download_file_spec(spec, tmp_path / "bad" / name, log=lambda m: None, backoff=0.0)
    assert list((tmp_path / "bad").iterdir()) == []


def test_published_checksums_needs_a_source():
    assert published_checksums("http://127.0.0.1:9/x.h5") == {}
