"""utils.torch_nets: the blitz's Net, the numpy -> tensor pipeline, training, evaluation, data parallelism."""

import numpy as np
import pytest
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

from utils.gradcheck import numerical_gradient, rel_error
from utils.torch_nets import (Net, best_device, blitz_transform, chain_rule_example, chain_rule_example_gradient,
                              count_parameters, data_parallel, data_parallel_gradient, ddp_gradients, evaluate,
                              has_torchvision, loss_curve_grid, make_loader, parameter_table, per_class_accuracy,
                              plot_confusion_matrix, predict, time_training, to_tensor_normalize, train, train_step)
from utils.validation import DivergenceError


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


def test_net_maps_a_batch_of_32x32_colour_images_to_10_scores():
    assert Net()(torch.randn(5, 3, 32, 32)).shape == (5, 10)
    assert Net(n_classes=4)(torch.randn(2, 3, 32, 32)).shape == (2, 4)


def test_net_has_exactly_62006_parameters_in_the_blitz_layout():
    net = Net()
    assert count_parameters(net) == 62_006
    table = parameter_table(net)
    assert sum(n for _, _, n in table) == 62_006
    assert [(name, shape) for name, shape, _ in table] == [
        ("conv1.weight", (6, 3, 5, 5)), ("conv1.bias", (6,)), ("conv2.weight", (16, 6, 5, 5)), ("conv2.bias", (16,)),
        ("fc1.weight", (120, 400)), ("fc1.bias", (120,)), ("fc2.weight", (84, 120)), ("fc2.bias", (84,)),
        ("fc3.weight", (10, 84)), ("fc3.bias", (10,))]
    net.conv1.weight.requires_grad_(False)
    assert count_parameters(net) == 62_006 - 450 and count_parameters(net, trainable_only=False) == 62_006


def test_net_rejects_images_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(N, 3, 32, 32\), got \(2, 32, 32, 3\)"):
        Net()(torch.randn(2, 32, 32, 3))


def test_to_tensor_normalize_is_channels_first_and_maps_0_255_to_minus_1_plus_1(rng):
    images = rng.integers(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
    x = to_tensor_normalize(images)
    assert x.shape == (4, 3, 32, 32) and x.dtype == torch.float32
    expected = (images.transpose(0, 3, 1, 2).astype(np.float32) / 255 - 0.5) / 0.5
    np.testing.assert_allclose(x.numpy(), expected, rtol=0, atol=1e-6)
    edges = to_tensor_normalize(np.array([[[[0, 255, 0]]]], dtype=np.uint8))
    assert edges.flatten().tolist() == [-1.0, 1.0, -1.0]


def test_to_tensor_normalize_equals_the_per_image_blitz_transform(rng):
    images = rng.integers(0, 256, size=(3, 32, 32, 3), dtype=np.uint8)
    mean, std = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)
    batch = to_tensor_normalize(images, mean, std)
    transform = blitz_transform(mean, std)  # torchvision's ToTensor + Normalize when installed
    for k in range(3):
        torch.testing.assert_close(batch[k], transform(images[k]), rtol=0, atol=1e-6)


def test_to_tensor_normalize_rejects_floats_bad_shapes_and_bad_std():
    with pytest.raises(ValueError, match="must be uint8"):
        to_tensor_normalize(np.zeros((2, 32, 32, 3)))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        to_tensor_normalize(np.zeros((32, 32), dtype=np.uint8))
    with pytest.raises(ValueError, match="one value per channel"):
        to_tensor_normalize(np.zeros((1, 4, 4, 3), dtype=np.uint8), mean=(0.5, 0.5))
    with pytest.raises(ValueError, match="std must be positive"):
        to_tensor_normalize(np.zeros((1, 4, 4, 3), dtype=np.uint8), std=(0.5, 0.0, 0.5))


def test_make_loader_yields_mini_batches_in_a_seeded_order(rng):
    images = rng.integers(0, 256, size=(10, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(10) % 10
    batches = list(make_loader(images, labels, batch_size=4, seed=3))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 3, 32, 32), (4, 3, 32, 32), (2, 3, 32, 32)]
    order = torch.cat([y for _, y in batches]).tolist()
    assert sorted(order) == labels.tolist()
    assert order == torch.cat([y for _, y in make_loader(images, labels, batch_size=4, seed=3)]).tolist()
    in_order = torch.cat([y for _, y in make_loader(images, labels, batch_size=4, shuffle=False)]).tolist()
    assert in_order == labels.tolist()
    with pytest.raises(ValueError, match="10 images but 9 labels"):
        make_loader(images, labels[:9])
    with pytest.raises(ValueError, match=r"uint8 of shape \(N, H, W, C\)"):
        make_loader(images.astype(np.float32), labels)


def test_make_loader_serves_the_same_numbers_as_to_tensor_normalize(rng):
    images = rng.integers(0, 256, size=(9, 32, 32, 3), dtype=np.uint8)
    mean, std = (0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261)
    loader = make_loader(images, np.zeros(9), batch_size=4, shuffle=False, mean=mean, std=std)
    served = torch.cat([x for x, _ in loader])
    assert served.dtype == torch.float32 and loader.dataset.tensors[0].dtype == torch.uint8  # stored as bytes
    assert torch.equal(served, to_tensor_normalize(images, mean, std))
    with pytest.raises(ValueError, match="one value per channel"):
        make_loader(images, np.zeros(9), mean=(0.5, 0.5), std=(0.5, 0.5))


def test_one_training_step_lowers_the_loss_on_a_fixed_batch(rng):
    images = rng.integers(0, 256, size=(8, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(8) % 10
    loader = make_loader(images, labels, batch_size=8, shuffle=False)
    net = Net()
    x, y = next(iter(loader))
    with torch.no_grad():
        before = nn.functional.cross_entropy(net(x), y).item()
    history = train(net, loader, epochs=1, lr=0.01, progress=False)
    with torch.no_grad():
        after = nn.functional.cross_entropy(net(x), y).item()
    assert history.epoch_loss == [pytest.approx(before, rel=1e-6)]  # the loss of the step is the loss before it
    assert after < before - 1e-3, (before, after)
    assert history.examples == 8


def test_train_raises_divergence_error_when_the_loss_is_nan():
    x = torch.full((4, 3, 32, 32), float("nan"))
    loader = DataLoader(TensorDataset(x, torch.zeros(4, dtype=torch.long)), batch_size=4)
    with pytest.raises(DivergenceError, match="iteration 0"):
        train(Net(), loader, epochs=1, progress=False)


def test_train_rejects_bad_hyperparameters():
    loader = DataLoader(TensorDataset(torch.zeros(4, 3, 32, 32), torch.zeros(4, dtype=torch.long)), batch_size=4)
    with pytest.raises(ValueError, match="lr must be in"):
        train(Net(), loader, lr=0.0, progress=False)
    with pytest.raises(ValueError, match="momentum must be in"):
        train(Net(), loader, momentum=1.0, progress=False)
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        train(Net(), loader, epochs=0, progress=False)


class _Oracle(nn.Module):
    """Predicts the class written in pixel (0, 0) of channel 0: a model whose predictions we choose."""

    def __init__(self, n_classes: int):
        super().__init__()
        self.n_classes = n_classes

    def forward(self, x):
        return nn.functional.one_hot(x[:, 0, 0, 0].long(), self.n_classes).float()


def _oracle_loader(y_true, y_pred, batch_size=4):
    x = torch.zeros(len(y_true), 3, 32, 32)
    x[:, 0, 0, 0] = torch.tensor(y_pred, dtype=torch.float32)
    return DataLoader(TensorDataset(x, torch.tensor(y_true)), batch_size=batch_size)


def test_evaluate_gives_accuracy_per_class_accuracy_and_confusion_on_a_hand_case():
    y_true = [0, 0, 1, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 1, 2, 0, 0]
    ev = evaluate(_Oracle(3), _oracle_loader(y_true, y_pred), n_classes=3)
    np.testing.assert_array_equal(ev.confusion, [[1, 1, 0], [0, 2, 0], [2, 0, 1]])
    assert ev.accuracy == pytest.approx(4 / 7)
    np.testing.assert_allclose(ev.per_class, [1 / 2, 1.0, 1 / 3])
    assert ev.y_true.tolist() == y_true and ev.y_pred.tolist() == y_pred


def test_evaluate_confusion_matches_sklearn_on_random_predictions(rng):
    from sklearn.metrics import confusion_matrix

    y_true = rng.integers(0, 10, 200).tolist()
    y_pred = rng.integers(0, 10, 200).tolist()
    ev = evaluate(_Oracle(10), _oracle_loader(y_true, y_pred, batch_size=64), n_classes=10)
    np.testing.assert_array_equal(ev.confusion, confusion_matrix(y_true, y_pred, labels=range(10)))
    assert ev.accuracy == pytest.approx(np.mean(np.array(y_true) == np.array(y_pred)))


def test_evaluate_rejects_labels_outside_the_classes():
    with pytest.raises(ValueError, match=r"true labels must lie in 0\.\.1"):
        evaluate(_Oracle(3), _oracle_loader([0, 2], [0, 1]), n_classes=2)


def test_per_class_accuracy_is_nan_for_a_class_without_examples_and_checks_shape():
    acc = per_class_accuracy([[3, 1, 0], [0, 0, 0], [1, 0, 1]])
    assert acc[0] == 0.75 and np.isnan(acc[1]) and acc[2] == 0.5
    with pytest.raises(ValueError, match="square"):
        per_class_accuracy(np.zeros((2, 3)))


def test_predict_returns_labels_in_loader_order():
    y_true, y_pred = predict(_Oracle(4), _oracle_loader([3, 2, 1, 0, 0], [0, 1, 2, 3, 3]))
    assert y_true.tolist() == [3, 2, 1, 0, 0] and y_pred.tolist() == [0, 1, 2, 3, 3]


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU fallback")
def test_data_parallel_degrades_to_the_plain_model_on_cpu():
    net = Net()
    model, how = data_parallel(net)
    assert model is net and next(model.parameters()).device.type == "cpu" and "CPU" in how
    wrapped = nn.DataParallel(Net())  # without GPUs, DataParallel just calls its module
    x = torch.randn(2, 3, 32, 32)
    torch.testing.assert_close(wrapped(x), wrapped.module(x))


def test_ddp_with_one_process_gives_the_plain_gradients():
    net = Net()
    x, y = torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 3])
    nn.functional.cross_entropy(net(x), y).backward()
    grads = ddp_gradients(net.state_dict(), x, y, world_size=1)
    for name, p in net.named_parameters():
        torch.testing.assert_close(grads[name], p.grad, rtol=1e-5, atol=1e-7)
    with pytest.raises(ValueError, match="split evenly"):
        ddp_gradients(net.state_dict(), x[:3], y[:3], world_size=2)


def test_time_training_measures_a_positive_throughput():
    assert time_training(Net, "cpu", batch_size=8, steps=2, warmup=1) > 0


def test_plot_confusion_matrix_writes_every_count_and_labels_the_axes():
    cm = np.array([[5, 1, 0], [2, 3, 0], [0, 0, 4]])
    ax = plot_confusion_matrix(cm, ["a", "b", "c"])
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(cm.ravel().tolist())
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class" and ax.get_title()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    with pytest.raises(ValueError, match=r"shape \(2, 2\) for 2 classes"):
        plot_confusion_matrix(cm, ["a", "b"])


def test_best_device_is_cuda_exactly_when_torch_sees_a_gpu():
    assert best_device().type == ("cuda" if torch.cuda.is_available() else
                                  "mps" if torch.backends.mps.is_available() else "cpu")
    assert isinstance(has_torchvision(), bool)


@pytest.mark.parametrize("cuda, mps, expected", [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"),
                                                 (False, False, "cpu")])
def test_best_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert best_device() == torch.device(expected)


class _OnDevice(nn.Module):
    """The blitz Net on whatever device it was moved to: a batch left on another device raises, as on a GPU.

    Its scores come back as CPU zeros (recording the device they were computed on), so the training and
    evaluation loops, which read losses and predictions as Python numbers, also run on the ``meta`` device.
    """

    def __init__(self):
        super().__init__()
        self.net = Net()
        self.devices: list[str] = []

    def forward(self, x):
        scores = self.net(x)  # RuntimeError "Tensor on device meta is not on the expected device cpu"
        self.devices.append(scores.device.type)
        return torch.zeros(scores.shape, requires_grad=True)


def test_a_batch_on_another_device_than_the_model_is_refused():
    with pytest.raises(RuntimeError, match="device"):
        _OnDevice().to("meta")(torch.zeros(2, 3, 32, 32))


def test_train_moves_the_model_and_every_batch_to_the_device(rng):
    loader = make_loader(rng.integers(0, 256, (6, 32, 32, 3), dtype=np.uint8), np.arange(6) % 10, batch_size=4)
    net, label_devices = _OnDevice(), []

    def criterion(scores, y):
        label_devices.append(y.device.type)
        return scores.sum()

    history = train(net, loader, epochs=2, device="meta", criterion=criterion, progress=False)
    assert net.devices == label_devices == ["meta"] * 4 and history.examples == 12
    assert {p.device.type for p in net.parameters()} == {"meta"}


def test_predict_and_evaluate_move_the_model_and_every_batch_to_the_device():
    loader = _oracle_loader([1, 2, 0, 1, 0], [0, 0, 0, 0, 0])
    net = _OnDevice()
    y_true, y_pred = predict(net, loader, device="meta")
    assert net.devices == ["meta", "meta"] and y_true.tolist() == [1, 2, 0, 1, 0] and y_pred.tolist() == [0] * 5
    assert next(net.parameters()).device.type == "meta"
    assert evaluate(_OnDevice(), loader, n_classes=3, device="meta").accuracy == pytest.approx(2 / 5)


def test_count_parameters_counts_biases_and_skips_frozen_tensors_unless_asked():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2, bias=False))
    assert count_parameters(model) == 4 * 3 + 3 + 3 * 2
    model[0].bias.requires_grad_(False)
    assert count_parameters(model) == 4 * 3 + 3 * 2
    assert count_parameters(model, trainable_only=False) == 4 * 3 + 3 + 3 * 2


def test_chain_rule_example_gradient_matches_autograd_and_the_numerical_gradient(rng):
    theta = rng.normal(size=(3, 4))
    t = torch.tensor(theta, requires_grad=True)
    (t * torch.tanh(t ** 2)).sum().backward()
    grad = chain_rule_example_gradient(theta)
    assert rel_error(grad, t.grad.numpy()) < 1e-12
    assert rel_error(grad, numerical_gradient(chain_rule_example, theta)) < 1e-7
    assert chain_rule_example(theta) == pytest.approx(float((t * torch.tanh(t ** 2)).sum().detach()), rel=1e-12)


def test_train_step_ignores_stale_gradients_and_takes_one_sgd_step(rng):
    net = nn.Linear(5, 3)
    x, y = torch.randn(6, 5), torch.tensor([0, 1, 2, 0, 1, 2])
    for p in net.parameters():
        p.grad = torch.full_like(p, 100.0)  # left over from an earlier backward: must not count
    before = [p.detach().clone() for p in net.parameters()]
    expected_loss = nn.functional.cross_entropy(net(x), y)
    grads = torch.autograd.grad(expected_loss, list(net.parameters()))
    loss = train_step(net, x, y, torch.optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss())
    assert isinstance(loss, float) and loss == pytest.approx(expected_loss.item(), rel=1e-6)
    for p, b, g in zip(net.parameters(), before, grads):
        torch.testing.assert_close(p.detach(), b - 0.1 * g)


def test_data_parallel_gradient_equals_the_full_batch_gradient_for_1_2_and_4_shards():
    net = Net()
    x, y = torch.randn(8, 3, 32, 32), torch.arange(8) % 10
    nn.functional.cross_entropy(net(x), y).backward()
    full = torch.cat([p.grad.reshape(-1) for p in net.parameters()])
    for k in (1, 2, 4):
        torch.testing.assert_close(data_parallel_gradient(net, x, y, n_shards=k), full, rtol=1e-4, atol=1e-6)
    with pytest.raises(ValueError, match="divisible by n_shards=3"):
        data_parallel_gradient(net, x, y, n_shards=3)


class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        return self.fc(x)


def test_loss_curve_grid_starts_every_run_from_the_same_weights_and_lowers_the_loss():
    x, y = torch.randn(40, 4), torch.arange(40) % 3
    curves = loss_curve_grid(_Tiny, x, y, lrs=(0.05, 0.2), momenta=(0.0, 0.9), steps=60, batch_size=8,
                             log_every=10)
    assert set(curves) == {(0.05, 0.0), (0.05, 0.9), (0.2, 0.0), (0.2, 0.9)}
    assert all(c.shape == (6,) for c in curves.values())
    assert curves[(0.2, 0.9)][-1] < curves[(0.2, 0.9)][0]
    # the first recorded block's first step is the same for every run (same weights, same batch)
    first = [loss_curve_grid(_Tiny, x, y, lrs=(lr,), momenta=(0.0,), steps=1, log_every=1)[(lr, 0.0)][0]
             for lr in (0.01, 1.0)]
    assert first[0] == pytest.approx(first[1])


def test_loss_curve_grid_marks_a_diverged_run_with_nan_and_checks_its_inputs():
    x, y = torch.randn(40, 4) * 100, torch.arange(40) % 3
    curve = loss_curve_grid(_Tiny, x, y, lrs=(1e35,), momenta=(0.9,), steps=40, batch_size=4, log_every=4)[(1e35, 0.9)]
    assert np.isnan(curve[-1])
    with pytest.raises(ValueError):
        loss_curve_grid(_Tiny, x, y[:5], lrs=(0.1,), momenta=(0.0,))
    with pytest.raises(ValueError):
        loss_curve_grid(_Tiny, x, y, lrs=(0.1,), momenta=(1.0,))
