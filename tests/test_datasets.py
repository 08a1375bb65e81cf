"""utils.datasets (``make data``) end to end against local mirrors: small archives written here in the real
layouts (CIFAR-10's binary tarball, scikit-learn's LFW files) served by ``file://`` URLs or a local HTTP server;
a wrong hash, an interrupted or resumed download, and a machine that is really offline."""

import hashlib
import http.server
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest

import utils.cifar as cifar
import utils.datasets as datasets

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = {"Ada_Lovelace": 20, "Alan_Turing": 20, "Grace_Hopper": 1}  # the notebook's loader needs 20 per person


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache ($FACEAPP_DATA) and no mirror set."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("FACEAPP_DATA", str(folder))
    monkeypatch.delenv(datasets.MIRROR_ENV, raising=False)
    return folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tar_gz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _cifar_archive(rng, records: int = 3) -> bytes:
    """cifar-10-binary.tar.gz's layout: cifar-10-batches-bin/<batch>.bin, each 1 label byte + 3072 pixel bytes."""
    members = {}
    for name in (*cifar.TRAIN_FILES, cifar.TEST_FILE):
        labels = rng.integers(0, 10, size=(records, 1), dtype=np.uint8)
        pixels = rng.integers(0, 256, size=(records, cifar.PIXEL_BYTES), dtype=np.uint8)
        members[f"{cifar.CIFAR10_FOLDER}/{name}"] = np.concatenate([labels, pixels], axis=1).tobytes()
    return _tar_gz(members)


def _jpeg(rng) -> bytes:
    from PIL import Image

    base = np.linspace(0, 255, 250 * 250).reshape(250, 250)[..., None] * np.ones(3)
    img = np.clip(base + rng.normal(0, 20, size=base.shape), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format="JPEG", quality=60)
    return buf.getvalue()


def _lfw_files(rng) -> dict[str, bytes]:
    """scikit-learn's LFW files: lfw-funneled.tgz (lfw_funneled/Name/Name_0001.jpg ...) and the pairs lists."""
    photos = {f"lfw_funneled/{name}/{name}_{i:04d}.jpg": _jpeg(rng)
              for name, n in PEOPLE.items() for i in range(1, n + 1)}
    pairs = ("2\nAda_Lovelace\t1\t2\nAlan_Turing\t3\t4\n"  # two same-person lines, then two different-people ones
             "Ada_Lovelace\t1\tAlan_Turing\t1\nAlan_Turing\t2\tGrace_Hopper\t1\n")
    return {"lfw-funneled.tgz": _tar_gz(photos), "pairsDevTrain.txt": pairs.encode(),
            "pairsDevTest.txt": pairs.encode(), "pairs.txt": ("1\t2\n" + pairs.split("\n", 1)[1]).encode()}


@pytest.fixture
def mirror(tmp_path, rng, monkeypatch):
    """A folder of small archives in the real layouts, with the pinned hashes swapped for theirs."""
    from sklearn.datasets import _lfw
    from sklearn.datasets._base import RemoteFileMetadata

    folder = tmp_path / "mirror"
    folder.mkdir()
    files = {cifar.CIFAR10_ARCHIVE: _cifar_archive(rng), **_lfw_files(rng)}
    for name, data in files.items():
        (folder / name).write_bytes(data)
    monkeypatch.setattr(cifar, "RECORDS_PER_FILE", 3)
    monkeypatch.setattr(cifar, "CIFAR10_SHA256", _sha(files[cifar.CIFAR10_ARCHIVE]))
    monkeypatch.setattr(_lfw, "TARGETS", tuple(RemoteFileMetadata(t.filename, "https://unused.invalid/",
                                                                  _sha(files[t.filename])) for t in _lfw.TARGETS))
    monkeypatch.setattr(_lfw, "FUNNELED_ARCHIVE", RemoteFileMetadata("lfw-funneled.tgz", "https://unused.invalid/",
                                                                     _sha(files["lfw-funneled.tgz"])))
    return folder


def _files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_make_data_from_a_file_mirror_then_the_notebooks_loaders_use_the_real_sets(cache, mirror, monkeypatch,
                                                                                 capsys):
    from utils.face_verification import load_face_identities

    assert "not in the cache" in datasets.describe_data("cifar10")
    assert not cifar.load_blitz_data(n_train=20, n_test=10).is_cifar10
    monkeypatch.setenv(datasets.MIRROR_ENV, mirror.as_uri())
    assert datasets.main(["fetch"]) == 0
    out, err = capsys.readouterr()
    assert "sha256 verified" in out and "LFW: 41 photos of 3 people, 4 training pairs" in out
    for name in (cifar.CIFAR10_ARCHIVE, "lfw-funneled.tgz", "pairsDevTrain.txt"):  # one progress bar per file
        assert name in err and "100%" in err

    data = cifar.load_blitz_data(n_train=20, n_test=10)  # exactly as pytorch_blitz/04 calls it
    assert data.is_cifar10 and data.x_train.shape == (15, 32, 32, 3) and data.x_test.shape == (3, 32, 32, 3)
    faces = load_face_identities(use_lfw=True, n_views=10, seed=0)  # as course4_cnn/w4_1 calls it
    assert faces.source.startswith("LFW") and set(faces.names) == {"Ada Lovelace", "Alan Turing"}
    assert faces.images.shape[0] == 40  # the two people with at least 20 photos each
    assert datasets.describe_data().count("found in the cache") == 2
    assert not (cache / "lfw_home" / "lfw-funneled.tgz").exists() and not (cache / ".partial").exists()

    for f in mirror.iterdir():  # already there: nothing is fetched again
        f.unlink()
    assert datasets.main(["fetch", "cifar10"]) == 0 and datasets.main(["fetch", "lfw"]) == 0
    assert capsys.readouterr().out.count("already in") == 2


def test_a_wrong_hash_is_refused_and_nothing_is_left_in_the_cache(cache, mirror, monkeypatch, capsys):
    (mirror / cifar.CIFAR10_ARCHIVE).write_bytes(_cifar_archive(np.random.default_rng(1)))  # not the pinned one
    monkeypatch.setenv(datasets.MIRROR_ENV, mirror.as_uri())
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_REFUSED
    assert "wrong hash" in capsys.readouterr().err
    assert _files_under(cache) == [] and not (cache / ".partial").exists()
    assert not cifar.load_blitz_data(n_train=20, n_test=10).is_cifar10

    (mirror / "lfw-funneled.tgz").write_bytes(b"a tampered archive")
    assert datasets.main(["fetch", "lfw"]) == datasets.EXIT_REFUSED
    assert not (cache / "lfw_home" / "lfw-funneled.tgz").exists() and not (cache / "lfw_home" / "lfw_funneled").exists()
    assert not list(cache.rglob("*.part")) and not datasets.is_present("lfw")


def test_a_stale_partial_file_that_is_not_a_prefix_is_refused_then_the_next_run_starts_afresh(cache, mirror,
                                                                                            monkeypatch):
    monkeypatch.setenv(datasets.MIRROR_ENV, mirror.as_uri())
    part = cache / ".partial" / (cifar.CIFAR10_ARCHIVE + ".part")
    part.parent.mkdir(parents=True)
    part.write_bytes(b"left behind by something else")
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_REFUSED  # resumed, checked, refused, deleted
    assert _files_under(cache) == []
    assert datasets.main(["fetch", "cifar10"]) == 0
    assert (cache / cifar.CIFAR10_ARCHIVE).read_bytes() == (mirror / cifar.CIFAR10_ARCHIVE).read_bytes()


class _Server:
    """A local HTTP mirror that honours Range requests and can be told to stop after ``cut_after`` bytes."""

    def __init__(self, folder: Path):
        self.folder, self.cut_after, self.ranges, self.honour_range = folder, None, [], True
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                data = (server.folder / self.path.lstrip("/")).read_bytes()
                wanted = self.headers.get("Range")
                server.ranges.append(wanted)
                start = int(wanted[len("bytes="):-1]) if wanted and server.honour_range else 0
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(len(data) - start))
                self.end_headers()
                body = data[start:]
                self.wfile.write(body if server.cut_after is None else body[:server.cut_after])

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(mirror):
    s = _Server(mirror)
    yield s
    s.close()


def test_a_download_that_stops_mid_file_is_never_used_and_is_resumed_by_the_next_run(cache, mirror, server,
                                                                                   monkeypatch, capsys):
    monkeypatch.setenv(datasets.MIRROR_ENV, server.url)
    size = (mirror / cifar.CIFAR10_ARCHIVE).stat().st_size
    server.cut_after = size // 2
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_OFFLINE
    assert f"broke off after {size // 2} of {size} bytes" in capsys.readouterr().err
    assert not (cache / cifar.CIFAR10_ARCHIVE).exists()  # never moved into place half-written
    assert not cifar.load_blitz_data(n_train=20, n_test=10).is_cifar10
    server.cut_after = None
    assert datasets.main(["fetch", "cifar10"]) == 0
    assert server.ranges == [None, f"bytes={size // 2}-"]  # the second run resumed where the first stopped
    assert (cache / cifar.CIFAR10_ARCHIVE).read_bytes() == (mirror / cifar.CIFAR10_ARCHIVE).read_bytes()
    assert cifar.load_blitz_data().is_cifar10


def test_a_server_that_ignores_the_range_gives_a_restart_not_a_doubled_file(cache, mirror, server, monkeypatch):
    monkeypatch.setenv(datasets.MIRROR_ENV, server.url)
    server.cut_after, server.honour_range = 1000, False
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_OFFLINE
    server.cut_after = None
    assert datasets.main(["fetch", "cifar10"]) == 0
    assert (cache / cifar.CIFAR10_ARCHIVE).read_bytes() == (mirror / cifar.CIFAR10_ARCHIVE).read_bytes()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("mirror_url", [f"http://127.0.0.1:{_closed_port()}", "https://no-such-host.invalid/data"])
def test_offline_the_command_says_so_and_exits_3(cache, mirror_url):
    env = {**os.environ, "FACEAPP_DATA": str(cache), datasets.MIRROR_ENV: mirror_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "utils.datasets", "fetch", "cifar10"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == datasets.EXIT_OFFLINE, proc.stderr
    assert "cannot reach" in proc.stderr and "offline" in proc.stderr and "Traceback" not in proc.stderr
    assert _files_under(cache) == [] and not (cache / ".partial").exists()


def test_bad_usage_exits_2_and_a_bad_name_is_a_value_error(cache, capsys):
    assert datasets.main(["fetch", "imagenet"]) == 2 and datasets.main([]) == 2
    assert "usage" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        datasets.remote_files("imagenet")
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.describe_data("imagenet")


def test_the_mirror_replaces_the_servers_but_not_the_pinned_hashes(monkeypatch):
    (remote,) = datasets.remote_files("cifar10")
    assert remote.url == cifar.CIFAR10_URL and remote.sha256 == cifar.CIFAR10_SHA256
    monkeypatch.delenv(datasets.MIRROR_ENV, raising=False)
    assert datasets.source_url(remote) == cifar.CIFAR10_URL
    monkeypatch.setenv(datasets.MIRROR_ENV, "file:///srv/data/")
    assert datasets.source_url(remote) == "file:///srv/data/cifar-10-binary.tar.gz"
    lfw = datasets.remote_files("lfw")
    assert {r.filename for r in lfw} == {"pairsDevTrain.txt", "pairsDevTest.txt", "pairs.txt", "lfw-funneled.tgz"}
    assert all(len(r.sha256) == 64 and r.folder == "lfw_home" for r in lfw)


def test_describe_data_says_what_runs_and_how_to_get_the_real_set(cache):
    text = datasets.describe_data()
    assert "CIFAR-10: not in the cache" in text and "make data WHAT=cifar10" in text
    assert "LFW: not in the cache" in text and "make data WHAT=lfw" in text
    assert datasets.describe_data("lfw").count("\n") == 0


def test_make_data_runs_the_one_fetch_command_with_what():
    out = subprocess.run(["make", "-n", "data", "WHAT=lfw"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "-m utils.datasets fetch lfw" in out
    out = subprocess.run(["make", "-n", "data"], cwd=ROOT, capture_output=True, text=True).stdout
    assert "-m utils.datasets fetch all" in out
