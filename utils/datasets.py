"""The real datasets the workbook can use, fetched once into the one cache: ``make data [WHAT=cifar10|lfw]``.

``python -m utils.datasets fetch [all|cifar10|lfw]`` downloads what is missing into ``utils.data.cache_dir()``
(``$FACEAPP_DATA``, default ``~/.cache/diy-faceapp``), with a progress bar per file:

- ``cifar10``: ``cifar-10-binary.tar.gz`` (162 MB), checked against the SHA256 pinned in ``utils.cifar``;
  the blitz's loader (``utils.cifar.load_blitz_data``) reads it straight from the archive.
- ``lfw``: scikit-learn's LFW files (the funneled photos, over 200 MB, and the three pairs lists), checked against
  the SHA256 that scikit-learn pins, placed where ``fetch_lfw_people`` / ``fetch_lfw_pairs`` look
  (``data_home=cache_dir()``), then loaded once through those fetchers, which never download by themselves here.

One downloader serves both: a file is written to ``<folder>/.partial/<name>.part``, resumed there after an
interruption (an HTTP ``Range`` request, or a seek for ``file://``), checked against its hash and only then
moved to its place, so a half-written or wrong file is never used: a wrong hash deletes the partial file.
The LFW archive is extracted into ``.partial`` too and its folder moved into place in one rename.
``$FACEAPP_DATA_MIRROR`` (a base URL, ``https://`` or ``file://``) replaces the original servers: each file
is then fetched as ``<mirror>/<file name>``, with the same pinned hashes.

Exit codes of the command: 0 done (or already there), 2 bad usage, 3 a server could not be reached
(offline) or the transfer broke off, 4 a file was refused (wrong hash).
"""

from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import sys
import tarfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from utils.data import cache_dir

MIRROR_ENV = "FACEAPP_DATA_MIRROR"
NAMES = ("cifar10", "lfw")
EXIT_OFFLINE, EXIT_REFUSED = 3, 4
LFW_FOLDER = "lfw_home"  # scikit-learn's folder under data_home
LFW_PHOTOS = "lfw_funneled"
CHUNK = 1 << 16


class DataUnreachable(OSError):
    """A server (or mirror) could not be reached, or the transfer broke off; what arrived is kept to resume."""


class DataRefused(ValueError):
    """A file's hash is not the pinned one: it was deleted (a download) or left untouched (already in the cache)."""


@dataclass(frozen=True)
class RemoteFile:
    """One file to fetch: its name, where it comes from, its pinned SHA256, and its folder under the cache."""

    filename: str
    url: str
    sha256: str
    folder: str = ""


def remote_files(name: str) -> tuple[RemoteFile, ...]:
    """The files of dataset ``name`` ("cifar10" or "lfw"), with the hashes pinned today (read at call time)."""
    if name == "cifar10":
        from utils import cifar

        return (RemoteFile(cifar.CIFAR10_ARCHIVE, cifar.CIFAR10_URL, cifar.CIFAR10_SHA256),)
    if name == "lfw":
        from sklearn.datasets import _lfw

        return tuple(RemoteFile(r.filename, r.url, r.checksum, LFW_FOLDER)
                     for r in (*_lfw.TARGETS, _lfw.FUNNELED_ARCHIVE))
    raise ValueError(f"unknown dataset {name!r}; choose one of {NAMES} (or 'all')")


def source_url(remote: RemoteFile, mirror: str | None = None) -> str:
    """Where to fetch ``remote``: ``<mirror>/<file name>`` when a mirror is given (or ``$FACEAPP_DATA_MIRROR``)."""
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV, "")
    return f"{mirror.rstrip('/')}/{remote.filename}" if mirror else remote.url


def sha256_of(path: str | Path) -> str:
    """The SHA256 hex digest of a file (read in chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _open(url: str, offset: int, timeout: float):
    """Open ``url`` from byte ``offset``: returns (stream, resumed, total bytes or None)."""
    if url.startswith("file://"):
        source = Path(unquote(urlparse(url).path))
        try:
            fh = open(source, "rb")
        except OSError as exc:
            raise DataUnreachable(f"cannot read {source} (from {url}): {exc.strerror or exc}") from exc
        size = source.stat().st_size
        resumed = 0 < offset <= size
        fh.seek(offset if resumed else 0)
        return fh, resumed, size
    request = urllib.request.Request(url, headers={"Range": f"bytes={offset}-"} if offset else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and offset:  # the partial file is not a prefix of this one: start again
            return _open(url, 0, timeout)
        raise DataUnreachable(f"{urlparse(url).netloc} answered {exc.code} {exc.reason} for {url}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataUnreachable(f"cannot reach {urlparse(url).netloc or url} ({reason}): this machine seems to be "
                              f"offline. Connect and run `make data` again, or set {MIRROR_ENV} to a mirror") from exc
    resumed = response.status == 206
    length = response.headers.get("Content-Length")
    total = int(length) + (offset if resumed else 0) if length else None
    return response, resumed, total


def download(url: str, target: str | Path, sha256: str, progress: bool = True, timeout: float = 30.0) -> Path:
    """Fetch ``url`` to ``target`` unless it is there, checked against ``sha256``; return ``target``.

    A file already at ``target`` is verified and refused (DataRefused, left untouched) when its hash differs.
    The download goes to ``<target's folder>/.partial/<name>.part`` and resumes from it after an interruption;
    it is moved to ``target`` only once its hash matches, and deleted when it does not (DataRefused).
    Raises DataUnreachable when the source cannot be reached or the transfer breaks off (the part is kept).
    """
    from tqdm.auto import tqdm

    target = Path(target)
    if target.exists():
        actual = sha256_of(target)
        if actual != sha256:
            raise DataRefused(f"{target} is already in the cache but has sha256 {actual}, expected {sha256}: it "
                              "is corrupted or not the right file; refusing to use it (delete it and run `make data` "
                              "again)")
        return target
    part = target.parent / ".partial" / (target.name + ".part")
    offset = part.stat().st_size if part.exists() else 0
    stream, resumed, total = _open(url, offset, timeout)
    offset = offset if resumed else 0
    part.parent.mkdir(parents=True, exist_ok=True)
    bar = tqdm(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024, desc=target.name,
               disable=not progress, leave=True)
    try:
        with stream, open(part, "ab" if resumed else "wb") as out:
            while chunk := stream.read(CHUNK):
                out.write(chunk)
                bar.update(len(chunk))
    except (OSError, http.client.HTTPException) as exc:  # a dropped connection, a timeout, a broken response
        raise DataUnreachable(f"the download of {target.name} broke off after {part.stat().st_size} bytes ({exc}); "
                              "run `make data` again to resume it") from exc
    finally:
        bar.close()
    size = part.stat().st_size
    if total is not None and size < total:
        raise DataUnreachable(f"the download of {target.name} broke off after {size} of {total} bytes; "
                              "run `make data` again to resume it")
    actual = sha256_of(part)
    if actual != sha256:
        part.unlink()
        _remove_if_empty(part.parent)
        raise DataRefused(f"{url} gave {target.name} with the wrong hash (sha256 {actual}, expected {sha256}): "
                          "refused and deleted (a corrupted transfer, or not the right file). Nothing was kept; "
                          "run `make data` again")
    os.replace(part, target)
    _remove_if_empty(part.parent)
    return target


def _remove_if_empty(folder: Path) -> None:
    """Remove ``folder`` when it is empty (the ``.partial`` folder once nothing is pending)."""
    try:
        folder.rmdir()
    except OSError:
        pass


def is_present(name: str) -> bool:
    """Whether dataset ``name`` is in the cache (CIFAR-10: the archive or its folder; LFW: photos and pairs)."""
    if name == "cifar10":
        from utils.cifar import find_cifar10

        return find_cifar10() is not None
    if name == "lfw":
        home = cache_dir() / LFW_FOLDER
        return (home / LFW_PHOTOS).is_dir() and all((home / r.filename).is_file() for r in remote_files("lfw")
                                                    if not r.filename.endswith(".tgz"))
    raise ValueError(f"unknown dataset {name!r}; choose one of {NAMES} (or 'all')")


def _extract_lfw(archive: Path) -> None:
    """Extract the LFW archive into ``.partial`` and move its photo folder into place in one rename."""
    home = archive.parent
    scratch = home / ".partial" / "extract"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(scratch, filter="data")
    except (tarfile.TarError, EOFError, OSError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise DataRefused(f"{archive} cannot be extracted ({exc}); delete it and run `make data` again") from exc
    if not (scratch / LFW_PHOTOS).is_dir():
        shutil.rmtree(scratch, ignore_errors=True)
        raise DataRefused(f"{archive.name} holds no {LFW_PHOTOS}/ folder: not scikit-learn's LFW archive")
    os.replace(scratch / LFW_PHOTOS, home / LFW_PHOTOS)
    shutil.rmtree(scratch, ignore_errors=True)
    _remove_if_empty(scratch.parent)
    archive.unlink()  # as scikit-learn does once the photos are out


def _load_lfw_through_sklearn() -> str:
    """Load LFW people and pairs through scikit-learn's fetchers (never downloading); a summary line."""
    from sklearn.datasets import fetch_lfw_pairs

    from utils.face_verification import load_lfw_identities

    load_lfw_identities()  # what course4_cnn/w4_1 loads, decoded once into scikit-learn's joblib cache
    people = load_lfw_identities(min_faces_per_person=1, max_per_person=10 ** 6)  # what the face detector reads
    if people is None:
        raise DataRefused(f"scikit-learn's fetch_lfw_people cannot read {cache_dir() / LFW_FOLDER}")
    pairs = fetch_lfw_pairs(subset="train", data_home=str(cache_dir()), download_if_missing=False)
    return (f"LFW: {len(people.labels)} photos of {len(people.names)} people, {len(pairs.target)} training pairs, "
            f"in {cache_dir() / LFW_FOLDER}")


def fetch(name: str, mirror: str | None = None, progress: bool = True, say=print) -> Path:
    """Fetch dataset ``name`` ("cifar10" or "lfw") into ``cache_dir()`` unless it is there; return its folder.

    Raises DataUnreachable (offline, or a transfer broke off: run again to resume) or DataRefused (wrong hash).
    """
    files = remote_files(name)
    if is_present(name):
        say(f"{name}: already in {cache_dir()}, nothing to fetch")
        return cache_dir() / files[0].folder
    for remote in files:
        target = cache_dir() / remote.folder / remote.filename
        if name == "lfw" and remote.filename.endswith(".tgz") and (target.parent / LFW_PHOTOS).is_dir():
            continue  # the photos are already out of the archive
        download(source_url(remote, mirror), target, remote.sha256, progress=progress)
        if name == "lfw" and remote.filename.endswith(".tgz"):
            say(f"lfw: extracting {remote.filename} ...")
            _extract_lfw(target)
    if name == "lfw":
        say(_load_lfw_through_sklearn())
    else:
        say(f"cifar10: {cache_dir() / files[0].filename} (sha256 verified)")
    return cache_dir() / files[0].folder


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
    if argv[:1] == ["status"] and len(argv) == 1:
        print(describe_data())
        return 0
    if not argv or argv[0] != "fetch" or len(argv) > 2 or (len(argv) == 2 and argv[1] not in (*NAMES, "all", "")):
        print(f"usage: python -m utils.datasets fetch [all|{'|'.join(NAMES)}]  (or: status)", file=sys.stderr)
        return 2
    names = NAMES if len(argv) < 2 or argv[1] in ("all", "") else (argv[1],)
    for name in names:
        try:
            fetch(name)
        except DataUnreachable as exc:
            print(f"make data: {name}: {exc}", file=sys.stderr)
            return EXIT_OFFLINE
        except DataRefused as exc:
            print(f"make data: {name}: {exc}", file=sys.stderr)
            return EXIT_REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main())
