"""Drive a real JupyterLab in headless Chromium, as a learner would (used by tests/test_browser.py).

``LabServer`` starts JupyterLab from this environment on 127.0.0.1 with a random port and token and a
clean settings directory, and stops it whatever happens. ``LabPage`` opens a notebook, runs all cells,
and moves the sliders of every ``utils.widgets.SliderPanel`` (found by their CSS classes); those panel
helpers are ``PanelPage``'s, which also drives the Voilà app (tests/test_browser_faceapp.py).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = os.environ.get("FACEAPP_CHROMIUM", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
VIEWPORT = {"width": 1280, "height": 800}


def chromium_missing_reason() -> str | None:
    """Why the browser test cannot run here (None when it can)."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright Python package is not installed (pip install -e .[dev])"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """JupyterLab on 127.0.0.1 with a random port and token, in a throwaway settings directory."""

    def __init__(self, root: Path, startup_timeout: float = 90):
        self.root = Path(root)
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.tmp = Path(tempfile.mkdtemp(prefix="faceapp-lab-"))
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.log_path = self.tmp / "server.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LabServer":
        settings = self.tmp / "settings"
        for plugin, values in {"apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
                               # never write the repo's notebooks back while the test runs them
                               "docmanager-extension/plugin": {"autosave": False}}.items():
            path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(os.environ, JUPYTER_CONFIG_DIR=str(self.tmp / "config"),
                   JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(self.tmp / "ws"),
                   JUPYTER_RUNTIME_DIR=str(self.tmp / "runtime"), TF_CPP_MIN_LOG_LEVEL="3",
                   TF_ENABLE_ONEDNN_OPTS="0", MPLBACKEND="module://matplotlib_inline.backend_inline")
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + self.startup_timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if self.api("GET", "api/status")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.5)
        self.__exit__(None, None, None)
        raise RuntimeError(f"JupyterLab did not start within {self.startup_timeout} s")

    def api(self, method: str, path: str) -> tuple[int, bytes]:
        req = urllib.request.Request(f"{self.base}/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, b""

    def shutdown_kernels(self) -> None:
        status, body = self.api("GET", "api/sessions")
        if status == 200:
            for session in json.loads(body):
                self.api("DELETE", f"api/sessions/{session['id']}")

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if hasattr(self, "_log"):
            self._log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class SliderResult:
    """What moving one control of one panel did."""

    panel: int
    control: str
    latency_s: float | None  # key press -> new figure bytes; None when the figure never changed
    figure_changed: bool
    text_changed: bool
    text_before: str = ""
    text_after: str = ""
    message: str = ""


@dataclass
class NotebookRun:
    errors: list[str] = field(default_factory=list)
    panels: int = 0
    unrendered: list[str] = field(default_factory=list)
    sliders: list[SliderResult] = field(default_factory=list)


JS_WAIT_READY = """async () => {
  const app = window.jupyterapp;
  const w = app.shell.currentWidget;
  await w.context.ready; await w.sessionContext.ready;
  return w.sessionContext.session?.kernel?.name ?? null;
}"""

JS_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  const w = app.shell.currentWidget;
  await app.commands.execute('notebook:run-all-cells');
  const kernel = w.sessionContext.session.kernel;
  for (let i = 0; i < 600 && kernel.status !== 'idle'; i++) await new Promise(r => setTimeout(r, 100));
  const errors = [];
  const cells = w.content.model.cells;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    for (const o of c.toJSON().outputs) {
      if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  }
  return errors;
}"""

JS_WATCH_SRC = """(img) => {
  window.__faceappChanged = window.__faceappChanged || [];
  const idx = window.__faceappChanged.length;
  window.__faceappChanged.push(null);
  const obs = new MutationObserver(() => { if (window.__faceappChanged[idx] === null)
      window.__faceappChanged[idx] = performance.now(); obs.disconnect(); });
  obs.observe(img, {attributes: true, attributeFilter: ['src']});
  window.__faceappWatch = idx;
  return performance.now();
}"""

JS_FIGURE_HASH = """async (img) => {
  if (!img || !img.src) return null;
  const buf = await (await fetch(img.src)).arrayBuffer();
  const digest = await crypto.subtle.digest('SHA-256', buf);
  return Array.from(new Uint8Array(digest)).map(b => b.toString(16).padStart(2, '0')).join('');
}"""


class PanelPage:
    """A browser page showing ``utils.widgets.SliderPanel``s (found by their CSS classes): in JupyterLab
    (``LabPage``) or in the Voilà app (tests/test_browser_faceapp.py)."""

    def __init__(self, page):
        self.page = page

    def widget_problems(self) -> list[str]:
        """Widgets that did not render: placeholders or model-not-found messages still on the page."""
        problems = []
        for needle in ("Loading widget...", "Error displaying widget", "model not found"):
            n = self.page.get_by_text(needle, exact=False).count()
            if n:
                problems.append(f"{n} x '{needle}'")
        for i, panel in enumerate(self.page.locator(".faceapp-panel").all()):
            img = panel.locator("img").first
            if img.count() == 0 or not img.evaluate("i => i.complete && i.naturalWidth > 0"):
                msg = panel.locator(".faceapp-message").inner_text().strip()
                problems.append(f"panel {i} shows no figure" + (f" (message: {msg})" if msg else ""))
        return problems

    def figure_hash(self, panel) -> str | None:
        img = panel.locator("img").first
        if img.count() == 0:
            return None
        return img.evaluate(JS_FIGURE_HASH)

    #: What counts as a panel's control: a slider's handle (a range slider has two) or a dropdown.
    CONTROLS = ".noUi-handle, select"

    def control_count(self, index: int) -> int:
        """How many controls (``CONTROLS``) panel ``index`` has."""
        return self.page.locator(".faceapp-panel").nth(index).locator(self.CONTROLS).count()

    def move_first_control(self, index: int, max_presses: int = 6, timeout_s: float = 60) -> SliderResult:
        """``move_control(index, 0, ...)``: the panel's first control."""
        return self.move_control(index, 0, max_presses, timeout_s)

    def move_control(self, index: int, k: int = 0, max_presses: int = 6, timeout_s: float = 60) -> SliderResult:
        """Move control ``k`` (page order) of panel ``index``: a slider one step (keyboard, back from its top),
        a dropdown to its next option.

        Waits for the figure bytes to change; presses again (up to ``max_presses``) until the printed text
        changes too. The latency is that of the first press.
        """
        panel = self.page.locator(".faceapp-panel").nth(index)
        panel.scroll_into_view_if_needed()
        text = panel.locator(".faceapp-text")
        text_before = text.inner_text().strip() if text.count() else ""
        before = self.figure_hash(panel)
        controls = panel.locator(self.CONTROLS)
        if controls.count() <= k:
            return SliderResult(index, "none", None, False, False, text_before, text_before,
                                f"the panel has {controls.count()} slider(s) or dropdown(s), not {k + 1}")
        widget = controls.nth(k)
        label = widget.locator("xpath=ancestor::div[contains(@class, 'widget-inline-hbox')][1]//label")
        name = label.first.inner_text().strip() if label.count() else ""
        if widget.evaluate("e => e.tagName") != "SELECT":
            control = name or "slider"
            now = float(widget.get_attribute("aria-valuenow") or 0)
            top = float(widget.get_attribute("aria-valuemax") or 1)
            key = "ArrowLeft" if now >= top else "ArrowRight"

            def press() -> None:
                widget.focus()
                widget.press(key)
        else:
            control = name or "dropdown"
            options = widget.locator("option").all_inner_texts()

            def press() -> None:
                current = widget.input_value()
                values = widget.locator("option").evaluate_all("os => os.map(o => o.value)")
                widget.select_option(values[(values.index(current) + 1) % len(values)])
            if len(options) < 2:
                return SliderResult(index, control, None, False, False, text_before, text_before,
                                    "the dropdown has a single option")
        latency = None
        changed = False
        first_change: str | None = None  # the figure right after the first change (later presses may cycle back)
        text_after = text_before
        img = panel.locator("img").first
        for attempt in range(max_presses):
            # A MutationObserver stamps the moment the figure's src changes, in the page's own clock.
            t_press = img.evaluate(JS_WATCH_SRC)
            self._watch_index = self.page.evaluate("() => window.__faceappWatch")
            press()
            try:
                self.page.wait_for_function(
                    "([img, idx]) => window.__faceappChanged[idx] !== null || "
                    "img.closest('.faceapp-panel').querySelector('.faceapp-message').innerText.trim() !== ''",
                    arg=[img.element_handle(), self._watch_index], timeout=timeout_s * 1000)
            except Exception:  # noqa: BLE001 - a figure that never changes is reported, not raised
                pass
            t_change = self.page.evaluate("idx => window.__faceappChanged[idx]", self._watch_index)
            if t_change is not None and latency is None:
                latency = (t_change - t_press) / 1000
            if t_change is not None and first_change is None:
                first_change = self.figure_hash(panel)
            changed = changed or t_change is not None
            text_after = text.inner_text().strip() if text.count() else ""
            if changed and (text_after != text_before or not text_before):
                break
        changed = changed and first_change != before
        msg = panel.locator(".faceapp-message").inner_text().strip()
        return SliderResult(index, control, latency, changed, text_after != text_before,
                            text_before, text_after, msg)

    def wait_for_panel_change(self, index: int, text_before: str, timeout_s: float = 120,
                              expect_message: bool = False) -> tuple[str, str]:
        """Wait until panel ``index`` shows a message (``expect_message``) or prints something new with no
        message; return (text, message)."""
        panel = self.page.locator(".faceapp-panel").nth(index)
        predicate = ("([p, before]) => p.querySelector('.faceapp-message').innerText.trim() !== ''" if expect_message
                     else "([p, before]) => p.querySelector('.faceapp-text').innerText.trim() !== before && "
                          "p.querySelector('.faceapp-message').innerText.trim() === ''")
        try:
            self.page.wait_for_function(predicate, arg=[panel.element_handle(), text_before], timeout=timeout_s * 1000)
        except Exception:  # noqa: BLE001 - the caller reports what it saw
            pass
        return (panel.locator(".faceapp-text").inner_text().strip(),
                panel.locator(".faceapp-message").inner_text().strip())

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))

    def close(self) -> None:
        self.page.close()


class LabPage(PanelPage):
    """One notebook open in JupyterLab."""

    def __init__(self, browser, server: LabServer, rel_path: str):
        super().__init__(browser.new_page(viewport=VIEWPORT))
        self.server = server
        self.rel_path = rel_path
        self.page.set_default_timeout(120_000)
        self.page.goto(f"{server.base}/lab/tree/{rel_path}?reset&token={server.token}")
        self.page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                    "&& window.jupyterapp.shell.currentWidget.sessionContext")
        self.kernel = self.page.evaluate(JS_WAIT_READY)

    def run_all(self, timeout_s: float = 900) -> list[str]:
        """Run all cells, wait for the kernel to go idle; return the error outputs (empty when none)."""
        self.page.set_default_timeout(timeout_s * 1000)
        errors = self.page.evaluate(JS_RUN_ALL)
        self.page.set_default_timeout(120_000)
        return errors
