"""Parameters and multiply-adds of the classic CNNs, layer by layer, for any input size (no Keras).

A network is a list of layer specs (``NETWORKS``): ("conv", name, f, stride, padding, filters),
("pool", name, f, stride) or ("fc", name, units); a flatten sits before the first "fc". ``layer_costs``
walks the shapes through them from an (n, n, n_C) input and counts, per layer, its parameters (the formulas
of ``utils.cnn_models``) and its multiply-adds (one per weight use: a conv output costs f * f * n_C_in, a
dense unit n_in; pooling layers cost none here). The counts match the Keras builders of ``utils.cnn_models``
(tested); unlike them they are instant, so a slider can change the input size.
"""

from __future__ import annotations

from dataclasses import dataclass

from utils.cnn_models import VGG16_STAGES, conv_params, dense_params
from utils.validation import check_positive_int


def _vgg(stages: tuple[tuple[int, int], ...]) -> list[tuple]:
    layers: list[tuple] = []
    for s, (n_layers, channels) in enumerate(stages, start=1):
        layers += [("conv", f"block{s}_conv{i}", 3, 1, "same", channels) for i in range(1, n_layers + 1)]
        layers.append(("pool", f"block{s}_pool", 2, 2))
    return layers + [("fc", "fc1", 4096), ("fc", "fc2", 4096), ("fc", "predictions", 1000)]


#: name -> (input channels, the paper's input side, layer specs). VGG-11/13/16/19 are the paper's
#: configurations A, B, D and E: the same five stages with 1-4 conv layers each.
NETWORKS: dict[str, tuple[int, int, list[tuple]]] = {
    "LeNet-5": (1, 32, [("conv", "conv1", 5, 1, "valid", 6), ("pool", "pool1", 2, 2),
                        ("conv", "conv2", 5, 1, "valid", 16), ("pool", "pool2", 2, 2),
                        ("fc", "fc3", 120), ("fc", "fc4", 84), ("fc", "predictions", 10)]),
    "AlexNet": (3, 227, [("conv", "conv1", 11, 4, "valid", 96), ("pool", "pool1", 3, 2),
                         ("conv", "conv2", 5, 1, "same", 256), ("pool", "pool2", 3, 2),
                         ("conv", "conv3", 3, 1, "same", 384), ("conv", "conv4", 3, 1, "same", 384),
                         ("conv", "conv5", 3, 1, "same", 256), ("pool", "pool5", 3, 2),
                         ("fc", "fc6", 4096), ("fc", "fc7", 4096), ("fc", "predictions", 1000)]),
    "VGG-11": (3, 224, _vgg(((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)))),
    "VGG-13": (3, 224, _vgg(((2, 64), (2, 128), (2, 256), (2, 512), (2, 512)))),
    "VGG-16": (3, 224, _vgg(VGG16_STAGES)),
    "VGG-19": (3, 224, _vgg(((2, 64), (2, 128), (4, 256), (4, 512), (4, 512)))),
}


@dataclass(frozen=True)
class LayerCost:
    """One layer: name, kind ("conv", "pool" or "fc"), output shape (n_H, n_W, n_C) or (units,), parameters,
    multiply-adds for one image."""

    name: str
    kind: str
    output_shape: tuple[int, ...]
    params: int
    macs: int


def _out_side(n: int, f: int, stride: int, padding: str) -> int:
    return -(-n // stride) if padding == "same" else (n - f) // stride + 1


def layer_costs(network: str, side: int, channels: int | None = None) -> list[LayerCost]:
    """Walk an (side, side, channels) image through ``NETWORKS[network]``; count each layer's cost.

    Inputs: network, a key of ``NETWORKS``; side, the input height = width; channels (default: the network's).
    Returns: a list of LayerCost, one per conv, pool and fc layer, in order.
    Raises ValueError for an unknown network, or an input too small (a layer's output would be empty); the
    message names the layer and the smallest input side that works.
    """
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; choose one of {list(NETWORKS)}")
    side = check_positive_int(side, "side")
    n_C0, _, specs = NETWORKS[network]
    n_C = check_positive_int(channels if channels is not None else n_C0, "channels")
    n_H, rows, flat = side, [], None
    for spec in specs:
        kind, name = spec[0], spec[1]
        if kind == "fc":
            n_in = flat if flat is not None else n_H * n_H * n_C
            units = spec[2]
            rows.append(LayerCost(name, kind, (units,), dense_params(n_in, units), n_in * units))
            flat = units
            continue
        f, stride = spec[2], spec[3]
        padding = spec[4] if kind == "conv" else "valid"
        out = _out_side(n_H, f, stride, padding)
        if out < 1:
            raise ValueError(f"a {side}x{side} input is too small for {network}: {name} ({f}x{f}, stride {stride}) "
                             f"gets a {n_H}x{n_H} volume and would output nothing; the smallest input side that "
                             f"works is {smallest_side(network)}")
        if kind == "conv":
            filters = spec[5]
            rows.append(LayerCost(name, kind, (out, out, filters), conv_params(f, n_C, filters),
                                  out * out * filters * f * f * n_C))
            n_C = filters
        else:
            rows.append(LayerCost(name, kind, (out, out, n_C), 0, 0))
        n_H = out
    return rows


def _fits(network: str, side: int) -> bool:
    n = side
    for spec in NETWORKS[network][2]:
        if spec[0] != "fc":
            n = _out_side(n, spec[2], spec[3], spec[4] if spec[0] == "conv" else "valid")
            if n < 1:
                return False
    return True


def smallest_side(network: str) -> int:
    """The smallest input side for which every layer of ``network`` has a non-empty output."""
    if network not in NETWORKS:
        raise ValueError(f"unknown network {network!r}; choose one of {list(NETWORKS)}")
    return next(side for side in range(1, 4097) if _fits(network, side))


def totals(rows: list[LayerCost]) -> dict[str, int]:
    """{"params": ..., "macs": ..., "conv_params": ..., "fc_params": ..., "conv_macs": ..., "fc_macs": ...}."""
    out = {"params": sum(r.params for r in rows), "macs": sum(r.macs for r in rows)}
    for kind in ("conv", "fc"):
        out[f"{kind}_params"] = sum(r.params for r in rows if r.kind == kind)
        out[f"{kind}_macs"] = sum(r.macs for r in rows if r.kind == kind)
    return out
