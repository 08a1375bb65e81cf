"""A slider panel that redraws one figure in place and turns errors into messages.

``SliderPanel(draw, lr=(0.001, 1.0, 0.001, 0.1), activation=["relu", "tanh"])`` builds the controls,
calls ``draw(fig, **values)`` on a reused matplotlib figure whenever a control changes, and shows the
figure as a PNG in an ``Image`` widget (swapping bytes, so it does not flicker). Whatever ``draw``
returns (a string) is printed under the figure. Any exception raised by ``draw``, such as a
``DivergenceError`` when a learning rate is too high, is shown as a message instead of a traceback,
above the last good figure (dimmed, so it is not mistaken for the current one).
"""

from __future__ import annotations

import contextlib
import html
import io
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.layout_engine import TightLayoutEngine

from utils.validation import DivergenceError

Control = W.ValueWidget | tuple | list


def make_control(name: str, spec: Control, continuous_update: bool = False) -> W.ValueWidget:
    """Turn a spec into a widget, as ``interact`` does, but with sliders that update on release.

    - a widget: used as is;
    - (min, max, step) or (min, max, step, value): an ``IntSlider`` when all are ints, else ``FloatSlider``;
    - ("log", min, max, value): a ``FloatLogSlider`` over [min, max] (both > 0);
    - a list or tuple of strings/objects of another form: a ``Dropdown``;
    - a bool: a ``Checkbox``.
    """
    style = {"description_width": "initial"}
    if isinstance(spec, W.ValueWidget):
        return spec
    if isinstance(spec, bool):
        return W.Checkbox(value=spec, description=name, style=style)
    if isinstance(spec, tuple) and len(spec) == 4 and spec[0] == "log":
        _, lo, hi, value = spec
        if not 0 < lo < hi:
            raise ValueError(f"log slider {name!r} needs 0 < min < max, got min={lo}, max={hi}")
        return W.FloatLogSlider(value=value, base=10, min=np.log10(lo), max=np.log10(hi), step=0.05,
                                description=name, continuous_update=continuous_update, style=style,
                                readout_format=".2g")
    if isinstance(spec, tuple) and len(spec) in (3, 4) and all(isinstance(v, (int, float)) for v in spec):
        lo, hi, step = spec[:3]
        value = spec[3] if len(spec) == 4 else lo
        if not lo < hi or step <= 0:
            raise ValueError(f"slider {name!r} needs min < max and step > 0, got {spec}")
        if not lo <= value <= hi:
            raise ValueError(f"slider {name!r}: value {value} is outside [{lo}, {hi}]")
        cls = W.IntSlider if all(isinstance(v, int) for v in spec) else W.FloatSlider
        return cls(value=value, min=lo, max=hi, step=step, description=name,
                   continuous_update=continuous_update, style=style)
    if isinstance(spec, (list, tuple)) and len(spec) > 0:
        return W.Dropdown(options=list(spec), value=spec[0], description=name, style=style)
    raise ValueError(f"cannot build a control for {name!r} from {spec!r}: give a widget, (min, max, step[, value]), "
                     f"('log', min, max, value), a list of options or a bool")


class SliderPanel:
    """Controls + one redrawn figure + a text line + a message line.

    Inputs:
    - draw: ``draw(fig, **values) -> str | None``; draws on the (cleared) figure ``fig``.
    - controls: name -> widget or spec (see ``make_control``).
    - figsize: size of the reused figure, inches.
    Attributes: ``controls`` (name -> widget), ``image`` (the figure as PNG), ``text``, ``message``,
    ``latencies`` (seconds spent in each redraw, for benchmarks), ``widget`` (the whole panel).
    """

    def __init__(self, draw: Callable[..., str | None], controls: Mapping[str, Control],
                 figsize: tuple[float, float] = (9.0, 3.6), dpi: int = 80, continuous_update: bool = False,
                 columns: int = 3):
        if not controls:
            raise ValueError("SliderPanel needs at least one control")
        self.draw_fn = draw
        self.controls = {name: make_control(name, spec, continuous_update) for name, spec in controls.items()}
        self.fig = plt.figure(figsize=figsize, dpi=dpi)
        plt.close(self.fig)  # keep the inline backend from showing it a second time
        self.image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.text = W.HTML()
        self.message = W.HTML()
        self.latencies: list[float] = []
        self._paused = 0
        self._engine = self.fig.get_layout_engine()  # tight, from the workbook style's figure.autolayout
        self._layouts: dict[tuple, dict[str, float]] = {}
        rows = [W.HBox(list(self.controls.values())[i:i + columns])
                for i in range(0, len(self.controls), columns)]
        # ipywidgets 8's Layout has no opacity: a stale figure is dimmed by a CSS class and this rule.
        self._style = W.HTML("<style>.faceapp-stale{opacity:0.35}</style>")
        self.widget = W.VBox([*rows, self.message, self.image, self.text, self._style])
        # CSS classes let the browser test (tests/test_browser.py) find each part of a panel.
        self.widget.add_class("faceapp-panel")
        self.image.add_class("faceapp-figure")
        self.text.add_class("faceapp-text")
        self.message.add_class("faceapp-message")
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.redraw()

    @property
    def values(self) -> dict[str, Any]:
        """The current value of every control."""
        return {name: c.value for name, c in self.controls.items()}

    def set(self, **values: Any) -> None:
        """Set controls by name (as a learner moving sliders would); each change redraws."""
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown controls {sorted(unknown)}; this panel has {sorted(self.controls)}")
        for name, value in values.items():
            self.controls[name].value = value

    @contextlib.contextmanager
    def paused(self) -> Iterator[SliderPanel]:
        """Change several controls (or a dropdown's options) inside ``with panel.paused():``: one redraw at the end."""
        self._paused += 1
        try:
            yield self
        finally:
            self._paused -= 1
            if not self._paused:
                self.redraw()

    def _on_change(self, _change: dict) -> None:
        if not self._paused:
            self.redraw()

    def redraw(self) -> None:
        """Clear the figure, call ``draw`` with the current values, show the result or the error message."""
        start = time.perf_counter()
        self.fig.clf()
        self.fig.set_layout_engine(self._engine)
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                summary = self.draw_fn(self.fig, **self.values)
        except DivergenceError as exc:
            self._show_message(f"Training diverged: {exc}. The figure shows the last values that worked.")
            return
        except Exception as exc:  # noqa: BLE001 - a widget shows a message, never a traceback
            self._show_message(f"{type(exc).__name__}: {exc}")
            return
        self.image.value = self._png()
        self.text.value = f"<pre style='margin:0'>{html.escape(summary)}</pre>" if summary else ""
        self.message.value = ""
        self.image.remove_class("faceapp-stale")
        self.latencies.append(time.perf_counter() - start)

    def _png(self) -> bytes:
        """The figure as PNG. tight_layout lays a figure out with a whole extra draw (about 40 % of a redraw):
        its result is kept for each arrangement of axes and labels (``layout_key``) and reused on later moves."""
        fig, buf = self.fig, io.BytesIO()
        key = layout_key(fig) if isinstance(fig.get_layout_engine(), TightLayoutEngine) else None
        if key in self._layouts:
            fig.set_layout_engine("none")
            fig.subplots_adjust(**self._layouts[key])
        # zlib level 1: a few percent larger PNG, about 30 ms less per redraw (the panel's image never leaves
        # the machine the browser runs on, or a local network)
        fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
        if key is not None and key not in self._layouts:
            self._layouts[key] = {k: getattr(fig.subplotpars, k) for k in SUBPLOT_PARAMS}
        return buf.getvalue()

    @property
    def stale(self) -> bool:
        """Whether the figure is dimmed: it shows the last values that worked, not the controls' values."""
        return "faceapp-stale" in self.image._dom_classes

    def show_message(self, text: str, stale: bool = True) -> None:
        """Show ``text`` in the message line (e.g. a refused upload). ``stale``: the figure no longer matches the
        controls, so it is dimmed and its summary cleared; ``stale=False`` leaves both. The next redraw clears it."""
        self._show_message(text, stale)

    def _show_message(self, text: str, stale: bool = True) -> None:
        # The last good figure stays (dimmed) so the learner sees what worked; its summary no longer applies.
        if stale:
            self.text.value = ""
            self.image.add_class("faceapp-stale")
        self.message.value = (f"<div class='faceapp-warning' style='color:#8a4b00;background:#fff4e0;"
                              f"padding:4px 8px;border-radius:4px'>&#9888; {html.escape(text)}</div>")

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


SUBPLOT_PARAMS = ("left", "right", "bottom", "top", "wspace", "hspace")


def layout_key(fig: plt.Figure) -> tuple | None:
    """What tight_layout's margins depend on, for a figure about to be drawn: the grid of each axes, which of its
    labels, titles and tick labels are there (lines, and the widest y tick label), and whether a title, label or
    legend may stick out of it. Two figures with the same key get the same layout. None: axes placed by hand, or tick
    labels unknown before a draw (the figure is then laid out afresh)."""
    width_px = fig.get_figwidth() * fig.dpi
    parts: list[Any] = [fig.get_suptitle().count("\n") if fig.get_suptitle() else -1]
    for ax in fig.axes:
        spec = ax.get_subplotspec()
        if spec is None:
            return None
        top = spec.get_topmost_subplotspec()
        ax_px = width_px * top.get_position(fig).width
        texts = [ax.get_title(loc) for loc in ("left", "center", "right")] + [ax.get_xlabel(), ax.get_ylabel()]
        shape = tuple((t.count("\n"), bool(t), _wider_than(t, ax_px)) for t in texts)
        legend = ax.get_legend()
        legend_shape = None if legend is None else (len(legend.texts), legend._bbox_to_anchor is not None,
                                                      max((len(t.get_text()) for t in legend.texts), default=0) // 4)
        ticks = _tick_width(ax.yaxis) if ax.axison else 0
        if ticks is None:
            return None
        parts.append((top.get_gridspec().get_geometry(), top.get_geometry(), spec.get_geometry(), ax.axison,
                      shape, legend_shape, ticks,
                      ax.xaxis.get_ticks_position(), ax.yaxis.get_ticks_position(),
                      ax.xaxis.get_label_position(), ax.yaxis.get_label_position()))
    return tuple(parts)


def _wider_than(text: str, width_px: float, char_px: float = 6.5) -> bool:
    """Whether a line of ``text`` may be wider than ``width_px`` (about 6.5 px per character at the style's sizes)."""
    return any(len(line) * char_px > 0.9 * width_px for line in text.split("\n"))


def _tick_width(axis: Any) -> int | None:
    """The length of the longest major tick label the axis will draw (what sets a y axis' margin); None when the
    formatter cannot say before a draw."""
    try:
        lo, hi = sorted(axis.get_view_interval())
        locs = [v for v in axis.get_majorticklocs() if lo - 1e-9 * abs(hi - lo) <= v <= hi + 1e-9 * abs(hi - lo)]
        labels = axis.major.formatter.format_ticks(locs)
    except Exception:  # noqa: BLE001 - a formatter that cannot run before a draw: no reuse for this figure
        return None
    return max((len(label) for label in labels), default=0)
