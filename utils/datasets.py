"""The real datasets the workbook can use, fetched once into the one cache: ``make data [WHAT=cifar10|lfw]``.

``python -m utils.datasets fetch [all|cifar10|lfw]`` downloads what is missing into ``utils.data.cache_dir()``
(``$FACEAPP_DATA``, default ``~/.cache/diy-faceapp``), with a progress bar per file. It writes no downloader
of its own:

- ``cifar10``: ``cifar-10-binary.tar.gz`` (162 MB) through **pooch** (``utils.cifar.download_cifar10``), checked
  against the SHA256 pinned in ``utils.cifar``; the blitz's loader reads it straight from the archive.
- ``lfw``: LFW people and pairs through **scikit-learn's fetchers** (``fetch_lfw_people`` / ``fetch_lfw_pairs``
  with ``data_home=cache_dir()``), which check the SHA256 that scikit-learn pins and extract the photos.

Both write a download to a temporary file and move it into place only once its hash matches, so a wrong
file is refused and deleted and a broken-off transfer leaves nothing half-written: the next run restarts it.
``$FACEAPP_DATA_MIRROR`` (a base URL, ``http(s)://`` or ``file://``) replaces the original servers: each file
is then fetched as ``<mirror>/<file name>``, with the same pinned hashes.

Exit codes of the command: 0 done (or already there), 2 bad usage, 3 a server could not be reached
(offline) or the transfer broke off, 4 a file was refused (wrong hash).
"""

from __future__ import annotations

import contextlib
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from utils.data import cache_dir

MIRROR_ENV = "FACEAPP_DATA_MIRROR"
NAMES = ("cifar10", "lfw")
EXIT_USAGE, EXIT_OFFLINE, EXIT_REFUSED = 2, 3, 4
LFW_FOLDER = "lfw_home"  # scikit-learn's folder under data_home
#: Written by ``fetch_lfw`` once scikit-learn's fetchers returned: an unpacking that broke off leaves none, and
#: scikit-learn itself would take the half-filled photo folder as done.
LFW_COMPLETE = ".complete"
#: Photos in LFW's funneled archive: a folder unpacked elsewhere (by scikit-learn alone) counts when it has all.
LFW_FUNNELED_PHOTOS = 13233


def mirror_url() -> str:
    """``$FACEAPP_DATA_MIRROR`` without its trailing slash ("" when unset)."""
    return os.environ.get(MIRROR_ENV, "").rstrip("/")


def is_present(name: str) -> bool:
    """Whether dataset ``name`` is in the cache (CIFAR-10: the archive or its folder; LFW: photos and pairs)."""
    if name == "cifar10":
        from utils.cifar import find_cifar10

        return find_cifar10() is not None
    if name == "lfw":
        from sklearn.datasets import _lfw

        home = cache_dir() / LFW_FOLDER
        return (home / "lfw_funneled").is_dir() and all((home / t.filename).is_file() for t in _lfw.TARGETS) \
            and lfw_unpacked_whole(home)
    raise ValueError(f"unknown dataset {name!r}; choose one of {NAMES} (or 'all')")


def lfw_unpacked_whole(home: Path) -> bool:
    """Whether ``home``'s ``lfw_funneled`` folder was unpacked to the end: ``fetch_lfw``'s marker, or (for a folder
    scikit-learn unpacked without it) all ``LFW_FUNNELED_PHOTOS`` photos there."""
    if (home / LFW_COMPLETE).is_file():
        return True
    folder = home / "lfw_funneled"
    return folder.is_dir() and sum(1 for _ in folder.glob("*/*.jpg")) == LFW_FUNNELED_PHOTOS


@contextlib.contextmanager
def sklearn_lfw_download(mirror: str = "", progress: bool = True):
    """While inside: scikit-learn's LFW fetchers download from ``mirror`` (if given) and show a progress bar.

    scikit-learn keeps the LFW files' addresses in ``RemoteFileMetadata`` tuples (``sklearn.datasets._lfw``:
    ``TARGETS``, ``FUNNELED_ARCHIVE``, ``ARCHIVE``); with a mirror each tuple's URL becomes
    ``<mirror>/<file name>`` and its pinned checksum is kept. Its ``_fetch_remote`` calls the standard
    ``urlretrieve`` with no progress report; we pass it a tqdm bar through ``urlretrieve``'s own ``reporthook``.
    Both are private names of scikit-learn: they are put back on exit, and missing ones are left alone.
    """
    from sklearn.datasets import _base, _lfw
    from tqdm.auto import tqdm

    def retrieve_with_bar(url, filename=None, reporthook=None, data=None):
        name = Path(filename).name.split(".part_")[0] if filename else url  # scikit-learn's temp file name
        with tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=name, disable=not progress) as bar:
            def hook(blocks: int, block_size: int, total: int) -> None:
                bar.total = total if total > 0 else None
                bar.update(min(blocks * block_size, total if total > 0 else blocks * block_size) - bar.n)

            return urllib.request.urlretrieve(url, filename, hook, data)

    saved = {name: getattr(_lfw, name) for name in ("TARGETS", "FUNNELED_ARCHIVE", "ARCHIVE") if hasattr(_lfw, name)}
    moved = {name: (tuple(r._replace(url=f"{mirror}/{r.filename}") for r in value) if name == "TARGETS"
                    else value._replace(url=f"{mirror}/{value.filename}")) for name, value in saved.items()}
    patch_bar = hasattr(_base, "urlretrieve")
    try:
        if mirror:
            for name, value in moved.items():
                setattr(_lfw, name, value)
        if patch_bar:
            _base.urlretrieve = retrieve_with_bar
        yield
    finally:
        for name, value in saved.items():
            setattr(_lfw, name, value)
        if patch_bar:
            _base.urlretrieve = urllib.request.urlretrieve


def fetch_lfw(mirror: str = "", progress: bool = True) -> str:
    """LFW people and pairs through scikit-learn's fetchers (``download_if_missing=True``); a summary line.

    People are decoded once at the face detector's settings (all people, ``resize=0.4``) and at the
    face-verification notebook's (``utils.face_verification.load_lfw_identities()``), so both find them
    in scikit-learn's joblib cache.
    """
    from sklearn.datasets import fetch_lfw_pairs, fetch_lfw_people

    from utils.face_verification import load_lfw_identities

    import shutil

    home = str(cache_dir())
    partial = cache_dir() / LFW_FOLDER / "lfw_funneled"
    if partial.is_dir() and not lfw_unpacked_whole(partial.parent):
        shutil.rmtree(partial)  # an unpacking that broke off: scikit-learn would use it as it is
    with sklearn_lfw_download(mirror, progress):
        people = fetch_lfw_people(data_home=home, min_faces_per_person=1, resize=0.4, download_if_missing=True)
        pairs = fetch_lfw_pairs(subset="train", data_home=home, download_if_missing=True)
    (cache_dir() / LFW_FOLDER / LFW_COMPLETE).write_text("unpacked by utils.datasets.fetch_lfw\n")
    load_lfw_identities()
    return (f"LFW: {len(people.target)} photos of {len(people.target_names)} people, {len(pairs.target)} training "
            f"pairs, in {cache_dir() / LFW_FOLDER}")


def fetch(name: str, mirror: str | None = None, progress: bool = True, say=print) -> None:
    """Fetch dataset ``name`` ("cifar10" or "lfw") into ``cache_dir()`` unless it is there.

    ``mirror`` defaults to ``$FACEAPP_DATA_MIRROR``. Raises what pooch / scikit-learn raise: ValueError or
    OSError for a wrong hash, ``requests`` / ``urllib`` errors when offline or a transfer broke off
    (``main`` turns them into exit codes 4 and 3).
    """
    from utils import cifar

    mirror = mirror_url() if mirror is None else mirror.rstrip("/")
    present = is_present(name)
    if name == "cifar10" and not (present and cifar.find_cifar10().is_dir()):  # an archive there is verified
        url = f"{mirror}/{cifar.CIFAR10_ARCHIVE}" if mirror else cifar.CIFAR10_URL
        path = cifar.download_cifar10(url=url, known_hash=f"sha256:{cifar.CIFAR10_SHA256}", progressbar=progress)
        say(f"cifar10: {'already in the cache: ' if present else ''}{path} (sha256 verified)")
    elif present:
        say(f"{name}: already in {cache_dir()}, nothing to fetch")
    elif name == "lfw":
        say(fetch_lfw(mirror, progress))
    else:
        raise ValueError(f"unknown dataset {name!r}; choose one of {NAMES} (or 'all')")


def exit_code(exc: BaseException) -> int | None:
    """The command's exit code for what pooch / scikit-learn raised: 3 offline or broken off, 4 refused, else None.

    pooch: ``requests`` errors (offline, a dropped connection, an HTTP error) and ValueError for a wrong hash
    (from ``utils.cifar.verify_file`` too). scikit-learn: ``urllib`` errors (``ContentTooShortError`` when the
    transfer broke off) and an OSError naming the "SHA256 checksum" for a wrong hash.
    """
    import requests

    if isinstance(exc, (requests.RequestException, urllib.error.URLError, TimeoutError, ConnectionError)):
        return EXIT_OFFLINE
    if isinstance(exc, ValueError) or (isinstance(exc, OSError) and "checksum" in str(exc).lower()):
        return EXIT_REFUSED
    return None


#: What each real set is for in the workbook, and what runs without it.
USES = {
    "cifar10": ("CIFAR-10", "the blitz's classifier (pytorch_blitz/04) trains on it",
                "the offline stand-in (crops of ten shipped photographs)", "162 MB"),
    "lfw": ("LFW", "the face-verification notebook (course4_cnn/w4_1) trains its encoder on LFW people, and the "
            "face detector adds LFW's faces to its training (retrained once, about five minutes)",
            "scikit-image's 100 lfw_subset faces (and the detector's shipped weights)", "over 200 MB"),
}


def describe_data(*names: str) -> str:
    """One line per dataset (default: all): whether it is in the cache, what this run uses, how to get it."""
    home = str(Path.home())
    where = str(cache_dir()).replace(home, "~", 1) if home != "/" else str(cache_dir())
    lines = []
    for name in names or NAMES:
        if name not in USES:
            raise ValueError(f"unknown dataset {name!r}; choose one of {NAMES}")
        title, use, standin, size = USES[name]
        if is_present(name):
            lines.append(f"{title}: found in the cache ({where}), so this run uses the real set: {use}.")
        else:
            lines.append(f"{title}: not in the cache ({where}), so this run uses {standin}. For the real set run "
                         f"`make data WHAT={name}` once ({size}); {use}.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m utils.datasets fetch [all|cifar10|lfw]``: fetch the real sets; ``status``: say what is cached."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["status"]:
        print(describe_data())
        return 0
    if not argv or argv[0] != "fetch" or len(argv) > 2 or (len(argv) == 2 and argv[1] not in (*NAMES, "all", "")):
        print(f"usage: python -m utils.datasets fetch [all|{'|'.join(NAMES)}]  (or: status)", file=sys.stderr)
        return EXIT_USAGE
    for name in NAMES if len(argv) < 2 or argv[1] in ("all", "") else (argv[1],):
        try:
            fetch(name)
        except Exception as exc:  # noqa: BLE001 - sorted by exit_code; anything else is a bug and re-raised
            code = exit_code(exc)
            if code is None:
                raise
            source = mirror_url() or "the original servers"
            if code == EXIT_OFFLINE:
                print(f"make data: {name}: could not fetch from {urlparse(source).netloc or source} ({exc}). This "
                      f"machine seems to be offline, or the transfer broke off: nothing half-written was kept. "
                      f"Connect and run `make data` again, or set {MIRROR_ENV} to a mirror.", file=sys.stderr)
            else:
                print(f"make data: {name}: refused, wrong hash: {exc} (a download that fails its check is deleted, "
                      "never used)", file=sys.stderr)
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
