"""utils.cifar: the CIFAR-10 binary reader (on tiny files the tests write), the verified download
(no network: pre-placed files and file:// URLs), and the offline stand-in."""

import hashlib
import tarfile

import numpy as np
import pytest

import utils.cifar as cifar


def _records(labels, rng) -> tuple[bytes, np.ndarray]:
    """CIFAR binary records for ``labels``: returns the bytes and the pixels as (N, 3, 32, 32) uint8."""
    pixels = rng.integers(0, 256, size=(len(labels), 3, 32, 32), dtype=np.uint8)
    rows = np.concatenate([np.asarray(labels, dtype=np.uint8)[:, None], pixels.reshape(len(labels), -1)], axis=1)
    return rows.tobytes(), pixels


def _write_batches(folder, rng, n=3):
    """Write data_batch_1..5.bin and test_batch.bin with n records each; return {name: (labels, pixels)}."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for k, name in enumerate((*cifar.TRAIN_FILES, cifar.TEST_FILE)):
        labels = (np.arange(n) + k) % 10
        data, pixels = _records(labels, rng)
        (folder / name).write_bytes(data)
        written[name] = (labels, pixels)
    return written


def test_read_cifar_binary_decodes_labels_and_turns_chw_pixels_into_nhwc(tmp_path, rng):
    data, pixels = _records([3, 0, 9], rng)
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(data)
    images, labels = cifar.read_cifar_binary(path)
    assert images.shape == (3, 32, 32, 3) and images.dtype == np.uint8
    assert labels.tolist() == [3, 0, 9] and labels.dtype == np.int64
    np.testing.assert_array_equal(images, pixels.transpose(0, 2, 3, 1))
    raw = np.frombuffer(data, dtype=np.uint8).reshape(3, cifar.RECORD_BYTES)
    n, i, j, c = 1, 7, 20, 2  # record layout: label, then 1024 red, 1024 green, 1024 blue bytes, row by row
    assert images[n, i, j, c] == raw[n, 1 + c * 1024 + i * 32 + j]


def test_read_cifar_binary_rejects_a_truncated_file_with_a_clear_error(tmp_path, rng):
    data, _ = _records([1, 2], rng)
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(data[:-100])
    with pytest.raises(ValueError, match=r"data_batch_1\.bin: 6046 bytes is not a whole number of 3073-byte records.*truncated"):
        cifar.read_cifar_binary(path)


def test_read_cifar_binary_rejects_a_label_out_of_range(tmp_path, rng):
    data, _ = _records([1, 12, 2], rng)
    path = tmp_path / "test_batch.bin"
    path.write_bytes(data)
    with pytest.raises(ValueError, match=r"record 1 has label 12, expected 0\.\.9"):
        cifar.read_cifar_binary(path)


def test_read_cifar_binary_rejects_a_wrong_record_count_and_an_empty_file(tmp_path, rng):
    data, _ = _records([1, 2], rng)
    path = tmp_path / "data_batch_2.bin"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="expected 10000 records of 3073 bytes, found 2"):
        cifar.read_cifar_binary(path, expect_records=10000)
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        cifar.read_cifar_binary(path)
    with pytest.raises(FileNotFoundError):
        cifar.read_cifar_binary(tmp_path / "missing.bin")


def test_load_cifar10_reads_the_folder_and_the_archive_identically(tmp_path, rng, monkeypatch):
    monkeypatch.setattr(cifar, "RECORDS_PER_FILE", 3)
    folder = tmp_path / "cache" / cifar.CIFAR10_FOLDER
    written = _write_batches(folder, rng)
    assert cifar.find_cifar10(tmp_path / "cache") == folder
    x_train, y_train = cifar.load_cifar10(folder, "train")
    x_test, y_test = cifar.load_cifar10(folder, "test")
    assert x_train.shape == (15, 32, 32, 3) and x_test.shape == (3, 32, 32, 3)
    expected = np.concatenate([written[name][1] for name in cifar.TRAIN_FILES]).transpose(0, 2, 3, 1)
    np.testing.assert_array_equal(x_train, expected)
    np.testing.assert_array_equal(y_test, written[cifar.TEST_FILE][0])

    archive = tmp_path / "other" / cifar.CIFAR10_ARCHIVE
    archive.parent.mkdir()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=cifar.CIFAR10_FOLDER)
    assert cifar.find_cifar10(archive.parent) == archive
    x2, y2 = cifar.load_cifar10(archive, "train")
    np.testing.assert_array_equal(x2, x_train)
    np.testing.assert_array_equal(y2, y_train)
    assert cifar.load_cifar10(archive, "test", limit=2)[0].shape == (2, 32, 32, 3)


def test_load_cifar10_rejects_a_corrupted_archive_and_a_truncated_member(tmp_path, rng, monkeypatch):
    monkeypatch.setattr(cifar, "RECORDS_PER_FILE", 3)
    bad = tmp_path / cifar.CIFAR10_ARCHIVE
    bad.write_bytes(b"\x1f\x8b" + bytes(rng.integers(0, 256, 500, dtype=np.uint8)))
    with pytest.raises(ValueError, match="truncated or corrupted"):
        cifar.load_cifar10(bad, "train")
    folder = tmp_path / "src" / cifar.CIFAR10_FOLDER
    _write_batches(folder, rng)
    data = (folder / cifar.TEST_FILE).read_bytes()
    (folder / cifar.TEST_FILE).write_bytes(data[:-1])  # one byte short
    with tarfile.open(bad, "w:gz") as tar:
        tar.add(folder, arcname=cifar.CIFAR10_FOLDER)
    with pytest.raises(ValueError, match=r"test_batch\.bin: 9218 bytes is not a whole number"):
        cifar.load_cifar10(bad, "test")


def test_load_cifar10_rejects_a_bad_split_and_a_missing_set(tmp_path):
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        cifar.load_cifar10(tmp_path, "validation")
    with pytest.raises(FileNotFoundError, match="make data WHAT=cifar10"):
        cifar.load_cifar10(tmp_path / "nothing-here")


def test_download_refuses_a_pre_placed_archive_with_a_wrong_hash(tmp_path):
    target = tmp_path / cifar.CIFAR10_ARCHIVE
    target.write_bytes(b"not the CIFAR-10 archive")
    with pytest.raises(ValueError, match=rf"has sha256 {hashlib.sha256(b'not the CIFAR-10 archive').hexdigest()}, "
                                         rf"expected {cifar.CIFAR10_SHA256}.*refusing"):
        cifar.download_cifar10(cache=tmp_path)  # verified locally: no network, the file is not replaced
    assert target.read_bytes() == b"not the CIFAR-10 archive"


def test_download_through_pooch_deletes_a_file_url_copy_whose_hash_is_wrong(tmp_path):
    source = tmp_path / "elsewhere.tar.gz"
    source.write_bytes(b"a tampered archive")
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match="(?i)hash"):
        cifar.download_cifar10(cache=cache, url=source.as_uri())
    assert not (cache / cifar.CIFAR10_ARCHIVE).exists()


def test_download_through_pooch_keeps_a_file_url_copy_whose_hash_matches(tmp_path):
    source = tmp_path / "elsewhere.tar.gz"
    source.write_bytes(b"a small stand-in archive")
    known = "sha256:" + hashlib.sha256(b"a small stand-in archive").hexdigest()
    path = cifar.download_cifar10(cache=tmp_path / "cache", url=source.as_uri(), known_hash=known)
    assert path.read_bytes() == b"a small stand-in archive"
    assert cifar.download_cifar10(cache=tmp_path / "cache", known_hash=known) == path  # cached: verified, kept


def test_verify_file_accepts_md5_and_rejects_a_malformed_known_hash(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"abc")
    assert cifar.verify_file(path, "md5:" + hashlib.md5(b"abc").hexdigest()) == path
    with pytest.raises(ValueError, match="md5 .* expected 0000"):
        cifar.verify_file(path, "md5:0000")
    with pytest.raises(ValueError, match="known_hash must look like"):
        cifar.verify_file(path, "c32a1d4ab5d03f1284b67883e8d87530")


def test_pinned_hashes_are_well_formed():
    assert len(cifar.CIFAR10_SHA256) == 64 and int(cifar.CIFAR10_SHA256, 16)
    assert len(cifar.CIFAR10_MD5) == 32 and int(cifar.CIFAR10_MD5, 16)
    assert cifar.CIFAR10_KNOWN_HASH == "sha256:" + cifar.CIFAR10_SHA256


def test_standin_is_seeded_balanced_uint8_and_cifar_shaped():
    a = cifar.make_standin(n_train=100, n_test=50, seed=1)
    b = cifar.make_standin(n_train=100, n_test=50, seed=1)
    c = cifar.make_standin(n_train=100, n_test=50, seed=2)
    assert a.x_train.shape == (100, 32, 32, 3) and a.x_test.shape == (50, 32, 32, 3)
    assert a.x_train.dtype == np.uint8 and a.y_train.dtype == np.int64
    assert np.bincount(a.y_train).tolist() == [10] * 10 and np.bincount(a.y_test).tolist() == [5] * 10
    assert len(a.classes) == 10 and len(set(a.classes)) == 10
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    assert not a.is_cifar10 and "STAND-IN" in a.description


def test_standin_classes_differ_in_their_pixels():
    data = cifar.make_standin(n_train=200, n_test=100, seed=0)
    means = np.stack([data.x_train[data.y_train == k].mean(axis=(0, 1, 2)) for k in range(10)])
    distances = np.linalg.norm(means[:, None] - means[None], axis=-1)[np.triu_indices(10, 1)]
    assert distances.min() > 1.0  # no two classes are the same photo


def test_split_cells_deals_every_cell_once_and_keeps_both_splits_non_empty():
    rng = np.random.default_rng(0)
    cells = cifar._split_cells((300, 451, 3), 60, 0.25, rng)
    everything = {tuple(c) for c in cells["train"]} | {tuple(c) for c in cells["test"]}
    assert len(everything) == len(cells["train"]) + len(cells["test"]) == 5 * 7
    assert len(cells["test"]) == 9
    with pytest.raises(ValueError, match="fewer than 2 cells"):
        cifar._split_cells((40, 40, 3), 32, 0.25, rng)


def test_make_standin_rejects_unbalanced_sizes_and_bad_fractions():
    with pytest.raises(ValueError, match="multiples of 10"):
        cifar.make_standin(n_train=105)
    with pytest.raises(ValueError, match="test_fraction"):
        cifar.make_standin(test_fraction=0.9)
    with pytest.raises(ValueError, match="n_test must be a positive integer"):
        cifar.make_standin(n_test=0)


def test_load_blitz_data_prefers_cifar10_in_the_cache_and_otherwise_says_it_is_the_standin(tmp_path, rng,
                                                                                           monkeypatch):
    fallback = cifar.load_blitz_data(n_train=100, n_test=50, root=tmp_path)
    assert fallback.name == "offline stand-in" and not fallback.is_cifar10
    monkeypatch.setattr(cifar, "RECORDS_PER_FILE", 3)
    _write_batches(tmp_path / cifar.CIFAR10_FOLDER, rng)
    real = cifar.load_blitz_data(root=tmp_path)
    assert real.is_cifar10 and real.name == "CIFAR-10" and real.classes == cifar.CIFAR10_CLASSES
    assert real.x_train.shape == (15, 32, 32, 3) and "real CIFAR-10" in real.description


def test_load_blitz_data_refuses_an_archive_in_the_cache_whose_hash_is_wrong(tmp_path, rng, monkeypatch):
    monkeypatch.setattr(cifar, "RECORDS_PER_FILE", 3)
    folder = tmp_path / "src" / cifar.CIFAR10_FOLDER
    _write_batches(folder, rng)
    cache = tmp_path / "cache"
    cache.mkdir()
    archive = cache / cifar.CIFAR10_ARCHIVE
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(folder, arcname=cifar.CIFAR10_FOLDER)
    with pytest.raises(ValueError, match="refusing to use it"):
        cifar.load_blitz_data(root=cache)  # a well-formed archive, but not the one whose SHA256 is pinned
    known = "sha256:" + hashlib.sha256(archive.read_bytes()).hexdigest()
    assert cifar.load_blitz_data(root=cache, known_hash=known).x_test.shape == (3, 32, 32, 3)


def test_command_line_reports_the_cache_and_prints_usage(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("FACEAPP_DATA", str(tmp_path))
    assert cifar.main(["where"]) == 0
    assert f"CIFAR-10 is not in {tmp_path}" in capsys.readouterr().out
    assert cifar.main([]) == 2 and "download" in capsys.readouterr().out


def test_file_hash_equals_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * (3 << 20))  # several 1 MiB chunks
    assert cifar.file_hash(path) == hashlib.sha256(b"x" * (3 << 20)).hexdigest()
    assert cifar.file_hash(path, "md5") == hashlib.md5(b"x" * (3 << 20)).hexdigest()
