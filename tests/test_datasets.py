"""utils.datasets (``make data``: pooch for CIFAR-10, scikit-learn's fetchers for LFW) end to end against local
mirrors: small archives written here in the real layouts (CIFAR-10's binary tarball, scikit-learn's LFW files),
served by a local HTTP server (or ``file://`` URLs); a wrong hash, a download that stops mid-file, and a machine
that is really offline."""

import hashlib
import http.server
import io
import os
import socket
import subprocess
import sys
import tarfile
import threading
import urllib.error
import urllib.request
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
    """A folder of small archives in the real layouts, with the pinned hashes swapped for theirs (in this test only:
    ``utils.datasets`` itself keeps the pinned checksums and replaces only the URLs)."""
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


class _Server:
    """A local HTTP mirror of ``folder`` (on 127.0.0.1, in a thread) that can stop after ``cut_after`` bytes of a
    file while announcing its full length, as a dropped connection does."""

    def __init__(self, folder: Path):
        self.folder, self.cut_after, self.requests = folder, None, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                server.requests.append(self.path)
                path = server.folder / self.path.lstrip("/")
                if not path.is_file():
                    self.send_error(404)
                    return
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data if server.cut_after is None else data[:server.cut_after])

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


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_make_data_from_a_mirror_then_the_notebooks_loaders_use_the_real_sets(cache, mirror, server, scheme,
                                                                            monkeypatch, capsys):
    from utils.face_verification import load_face_identities

    from utils.face_detector import uses_lfw
    from utils.gan import face_data_name, face_images

    assert "not in the cache" in datasets.describe_data("cifar10")
    assert not cifar.load_blitz_data(n_train=20, n_test=10).is_cifar10
    assert load_face_identities(use_lfw=True).data_name == "offline stand-in"
    assert face_data_name() == "lfw_subset" and not uses_lfw()
    n_subset = len(face_images(24, views=1, seed=0))
    monkeypatch.setenv(datasets.MIRROR_ENV, server.url if scheme == "http" else mirror.as_uri())
    assert datasets.main(["fetch"]) == 0
    out, err = capsys.readouterr()
    assert "sha256 verified" in out and "LFW: 41 photos of 3 people, 4 training pairs" in out
    if scheme == "http":  # pooch's bar for CIFAR-10, one per file for scikit-learn's LFW files
        assert sorted(server.requests) == sorted(f"/{name}" for name in (cifar.CIFAR10_ARCHIVE, "lfw-funneled.tgz",
                                                                        "pairsDevTrain.txt", "pairsDevTest.txt",
                                                                        "pairs.txt"))
        for name in ("lfw-funneled.tgz", "pairsDevTrain.txt"):
            assert name in err
        assert err.count("100%") >= 5

    data = cifar.load_blitz_data(n_train=20, n_test=10)  # exactly as pytorch_blitz/04 calls it
    assert data.is_cifar10 and data.x_train.shape == (15, 32, 32, 3) and data.x_test.shape == (3, 32, 32, 3)
    faces = load_face_identities(use_lfw=True, n_views=10, seed=0)  # as course4_cnn/w4_1 calls it
    assert faces.source.startswith("LFW") and set(faces.names) == {"Ada Lovelace", "Alan Turing"}
    assert faces.images.shape[0] == 40  # the two people with at least 20 photos each
    assert faces.data_name == "LFW"  # the benchmark's rows say which set they are on
    # the DCGAN (faceapp/02) and the face detector's training add LFW's faces, under their own names and keys
    assert face_data_name() == "lfw_subset + LFW" and uses_lfw()
    assert len(face_images(24, views=1, seed=0)) == n_subset + 11  # at most 5 photos of each of the 3 people
    assert len(face_images(24, views=1, seed=0, use_lfw=False)) == n_subset
    assert datasets.describe_data().count("found in the cache") == 2
    assert not (cache / "lfw_home" / "lfw-funneled.tgz").exists() and not list(cache.rglob("*.part*"))

    for f in mirror.iterdir():  # already there: nothing is fetched again
        f.unlink()
    assert datasets.main(["fetch", "cifar10"]) == 0 and datasets.main(["fetch", "lfw"]) == 0
    assert capsys.readouterr().out.count("already in") == 2


def test_a_wrong_hash_is_refused_and_nothing_is_left_in_the_cache(cache, mirror, server, monkeypatch, capsys):
    from sklearn.datasets import _lfw

    (mirror / cifar.CIFAR10_ARCHIVE).write_bytes(_cifar_archive(np.random.default_rng(1)))  # not the pinned one
    monkeypatch.setenv(datasets.MIRROR_ENV, server.url)
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_REFUSED
    assert "wrong hash" in capsys.readouterr().err
    assert _files_under(cache) == []
    assert not cifar.load_blitz_data(n_train=20, n_test=10).is_cifar10

    (mirror / "lfw-funneled.tgz").write_bytes(b"a tampered archive")
    assert datasets.main(["fetch", "lfw"]) == datasets.EXIT_REFUSED
    assert "checksum" in capsys.readouterr().err
    left = {p.name for p in _files_under(cache)}  # only the three pairs lists, whose hashes matched
    assert left == {t.filename for t in _lfw.TARGETS}
    assert not datasets.is_present("lfw")


def test_a_pre_placed_archive_with_a_wrong_hash_is_refused_and_left_alone(cache, monkeypatch):
    monkeypatch.setenv(datasets.MIRROR_ENV, "http://127.0.0.1:9")  # never reached: the file is checked first
    cache.mkdir(parents=True)
    (cache / cifar.CIFAR10_ARCHIVE).write_bytes(b"not the archive")
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_REFUSED
    assert (cache / cifar.CIFAR10_ARCHIVE).read_bytes() == b"not the archive"


def test_a_download_that_stops_mid_file_is_never_used_and_the_next_run_succeeds(cache, mirror, server,
                                                                                monkeypatch, capsys):
    monkeypatch.setenv(datasets.MIRROR_ENV, server.url)
    server.cut_after = (mirror / cifar.CIFAR10_ARCHIVE).stat().st_size // 2
    assert datasets.main(["fetch", "cifar10"]) == datasets.EXIT_OFFLINE
    assert "broke off" in capsys.readouterr().err
    assert _files_under(cache) == []  # pooch's temporary file is gone, nothing was moved into place
    assert not cifar.load_blitz_data(n_train=20, n_test=10).is_cifar10

    server.cut_after = (mirror / "lfw-funneled.tgz").stat().st_size // 2  # the pairs lists are shorter: complete
    assert datasets.main(["fetch", "lfw"]) == datasets.EXIT_OFFLINE
    assert not list(cache.rglob("lfw-funneled.tgz*")) and not datasets.is_present("lfw")

    server.cut_after = None
    assert datasets.main(["fetch"]) == 0
    assert (cache / cifar.CIFAR10_ARCHIVE).read_bytes() == (mirror / cifar.CIFAR10_ARCHIVE).read_bytes()
    assert cifar.load_blitz_data().is_cifar10 and datasets.is_present("lfw")


def test_an_lfw_unpacking_that_broke_off_is_not_used_and_is_unpacked_again(cache, mirror, server, monkeypatch):
    from sklearn.datasets import _lfw

    monkeypatch.setenv(datasets.MIRROR_ENV, server.url)
    home = cache / datasets.LFW_FOLDER
    (home / "lfw_funneled" / "Ada_Lovelace").mkdir(parents=True)  # as a killed tar.extractall leaves it
    (home / "lfw_funneled" / "Ada_Lovelace" / "Ada_Lovelace_0001.jpg").write_bytes(b"half a photo")
    for t in _lfw.TARGETS:
        (home / t.filename).write_bytes((mirror / t.filename).read_bytes())
    assert not datasets.is_present("lfw")
    assert datasets.main(["fetch", "lfw"]) == 0
    assert datasets.is_present("lfw") and (home / datasets.LFW_COMPLETE).is_file()
    photos = sorted(p.relative_to(home).as_posix() for p in home.rglob("*.jpg"))
    assert len(photos) == 41 and (home / photos[0]).read_bytes() != b"half a photo"


def test_an_lfw_folder_unpacked_elsewhere_counts_only_with_all_its_photos(tmp_path, monkeypatch):
    home = tmp_path / "lfw_home"
    (home / "lfw_funneled" / "A").mkdir(parents=True)
    for i in range(3):
        (home / "lfw_funneled" / "A" / f"A_{i:04d}.jpg").write_bytes(b"x")
    assert not datasets.lfw_unpacked_whole(home)
    monkeypatch.setattr(datasets, "LFW_FUNNELED_PHOTOS", 3)
    assert datasets.lfw_unpacked_whole(home)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("what, mirror_url", [("cifar10", "closed port"), ("lfw", "closed port"),
                                              ("cifar10", "https://no-such-host.invalid/data")])
def test_offline_the_command_says_so_and_exits_3(cache, what, mirror_url):
    mirror_url = f"http://127.0.0.1:{_closed_port()}" if mirror_url == "closed port" else mirror_url
    env = {**os.environ, "FACEAPP_DATA": str(cache), datasets.MIRROR_ENV: mirror_url, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "utils.datasets", "fetch", what], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == datasets.EXIT_OFFLINE, proc.stderr
    assert "could not fetch" in proc.stderr and "offline" in proc.stderr and "Traceback" not in proc.stderr
    assert [p for p in _files_under(cache) if "part" in p.name] == []


def test_bad_usage_exits_2_and_a_bad_name_is_a_value_error(cache, capsys):
    assert datasets.main(["fetch", "imagenet"]) == 2 and datasets.main([]) == 2
    assert "usage" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown dataset 'imagenet'"):
        datasets.fetch("imagenet")
    with pytest.raises(ValueError, match="unknown dataset"):
        datasets.describe_data("imagenet")


def test_the_mirror_replaces_scikit_learns_urls_but_not_its_pinned_checksums():
    from sklearn.datasets import _base, _lfw

    before = (_lfw.TARGETS, _lfw.FUNNELED_ARCHIVE, _lfw.ARCHIVE)
    with datasets.sklearn_lfw_download("http://mirror.example/lfw"):
        assert _lfw.FUNNELED_ARCHIVE.url == "http://mirror.example/lfw/lfw-funneled.tgz"
        assert [t.url for t in _lfw.TARGETS] == [f"http://mirror.example/lfw/{t.filename}" for t in before[0]]
        assert [t.checksum for t in (*_lfw.TARGETS, _lfw.FUNNELED_ARCHIVE, _lfw.ARCHIVE)] == \
            [t.checksum for t in (*before[0], before[1], before[2])]
        assert _base.urlretrieve is not urllib.request.urlretrieve  # the progress bar
    assert (_lfw.TARGETS, _lfw.FUNNELED_ARCHIVE, _lfw.ARCHIVE) == before
    assert _base.urlretrieve is urllib.request.urlretrieve
    with datasets.sklearn_lfw_download(""):  # no mirror: the original servers
        assert (_lfw.TARGETS, _lfw.FUNNELED_ARCHIVE) == before[:2]


def test_exit_codes_sort_what_pooch_and_scikit_learn_raise():
    import requests

    assert datasets.exit_code(requests.ConnectionError("down")) == datasets.EXIT_OFFLINE
    assert datasets.exit_code(urllib.error.URLError("down")) == datasets.EXIT_OFFLINE
    assert datasets.exit_code(ValueError("SHA256 hash of downloaded file does not match")) == datasets.EXIT_REFUSED
    assert datasets.exit_code(OSError("The SHA256 checksum of x differs from expected")) == datasets.EXIT_REFUSED
    assert datasets.exit_code(KeyError("a bug")) is None


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
