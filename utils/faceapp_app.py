"""The DIY FaceApp as a page of widgets: the capstone's panel, and the web app ``make faceapp`` serves with Voilà.

- ``FaceAppUI(face_app)``: the app itself, built from ``utils.faceapp``'s parts. A ``SliderPanel`` (threshold,
  shipped or uploaded photo, effect) draws the faces found, with their names or "unknown" and the distance, beside
  the look-alike gallery or the face swap; under it, enroll a face under a name (several photos per person), rename
  or forget a person. Every refusal (no face, wrong format, too large, empty name, ...) is a message in the page.
  The capstone notebook (``faceapp/01_diy_faceapp``) and the web app both show it.
- ``FaceAppPage()``: the web app's page (``faceapp/app.ipynb``). It shows at once, loads the models in a background
  thread with a progress bar (the first start trains the encoder, later starts load it), opens the database
  (``utils.faceapp.default_database_path()``: ``$FACEAPP_DB`` or the app's file) and then shows a ``FaceAppUI``.
  A failure to start is a message in the page.
- ``main()`` (``python -m utils.faceapp_app``, run by ``make faceapp``): serves ``faceapp/app.ipynb`` with Voilà on
  127.0.0.1 only, behind a token (``$FACEAPP_TOKEN``, else a random one), without code cells or tracebacks, and
  prints the URL with the token.

TensorFlow is imported only when the models load.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import html
import os
import secrets
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import ipywidgets as W

from utils.data import PHOTOS
from utils.faceapp import (DB_ENV, Analysis, DatabaseError, FaceApp, PhotoError, default_database_path,
                           draw_detections, draw_gallery, encoder_cached, open_app_database, read_upload, summarize,
                           upload_files)
from utils.widgets import SliderPanel

#: The notebook Voilà serves, and the default port (``make lab`` uses 8888).
APP_NOTEBOOK = Path(__file__).resolve().parent.parent / "faceapp" / "app.ipynb"
DEFAULT_PORT = 8866
#: The environment variable that fixes the app's token (tests set it; unset: a random token per start).
TOKEN_ENV = "FACEAPP_TOKEN"
UPLOADED = " (uploaded)"
EFFECTS = ("gallery", "face swap")


def _ok(text: str) -> str:
    return f"<span class='faceapp-ok' style='color:green'>&#10003; {html.escape(text, quote=False)}</span>"


def _warning(text: str) -> str:
    return (f"<div class='faceapp-warning' style='color:#8a4b00;background:#fff4e0;padding:4px 8px;"
            f"border-radius:4px'>&#9888; {html.escape(text, quote=False)}</div>")


def _reason(exc: BaseException) -> str:
    """An exception as a sentence for the page (a KeyError's message without its quotes)."""
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    return str(text) or type(exc).__name__


class FaceAppUI:
    """The FaceApp's widgets over one ``FaceApp`` (models + database).

    Inputs: face_app (``utils.faceapp.FaceApp``); threshold: the recognition threshold the slider starts at
    (default: the models' ``recognition_threshold``); photos: the shipped photos offered (``utils.data.PHOTOS``);
    figsize of the panel's figure.
    Attributes: panel (the ``SliderPanel``: controls threshold, photo, effect), upload (a ``FileUpload``, several
    JPEG / PNG files at once), name, face_number, enroll_button, person, new_name, rename_button, forget_button,
    people (who is enrolled), status (the last action's message), widget (the whole app).
    """

    def __init__(self, face_app: FaceApp, threshold: float | None = None, photos: Sequence[str] = PHOTOS,
                 figsize: tuple[float, float] = (9.0, 4.2)):
        self.app = face_app
        self.uploads: dict[str, tuple[Any, str]] = {}  # dropdown label -> (RGB photo, analysis cache key)
        t = face_app.models.recognition_threshold if threshold is None else threshold
        t = min(max(round(float(t), 2), 0.1), 2.0) if t == t else 0.8  # NaN (models without one): a middle value
        self.upload = W.FileUpload(accept=".jpg,.jpeg,.png,image/jpeg,image/png", multiple=True,
                                   description="upload photos")
        self.panel = SliderPanel(self.draw, {"threshold": (0.1, 2.0, 0.02, t), "photo": list(photos),
                                             "effect": list(EFFECTS)}, figsize=figsize)
        # The upload button sits with the panel's controls; it is not one of draw's arguments.
        first_row, *rest = self.panel.widget.children
        self.panel.widget.children = (W.HBox([*first_row.children, self.upload]), *rest)
        self.upload.observe(self._on_upload, names="value")

        style = {"description_width": "initial"}
        self.name = W.Text(placeholder="a name", description="enroll as", style=style)
        self.face_number = W.BoundedIntText(value=1, min=1, max=10, description="face #", style=style,
                                            layout=W.Layout(width="120px"))
        self.enroll_button = W.Button(description="Enroll", button_style="success", icon="user-plus")
        self.person = W.Dropdown(options=[], description="person", style=style)
        self.new_name = W.Text(placeholder="new name", description="rename to", style=style)
        self.rename_button = W.Button(description="Rename", icon="pencil")
        self.forget_button = W.Button(description="Forget", button_style="danger", icon="trash")
        self.people = W.HTML()
        self.status = W.HTML()
        for widget, css in ((self.name, "faceapp-name"), (self.face_number, "faceapp-face-number"),
                            (self.enroll_button, "faceapp-enroll"), (self.person, "faceapp-person"),
                            (self.new_name, "faceapp-new-name"), (self.rename_button, "faceapp-rename"),
                            (self.forget_button, "faceapp-forget"), (self.people, "faceapp-people"),
                            (self.status, "faceapp-status"), (self.upload, "faceapp-upload")):
            widget.add_class(css)
        self.enroll_button.on_click(lambda _b: self._act(self.enroll))
        self.rename_button.on_click(lambda _b: self._act(self.rename))
        self.forget_button.on_click(lambda _b: self._act(self.forget))
        self.widget = W.VBox([self.panel.widget, W.HBox([self.name, self.face_number, self.enroll_button]),
                              W.HBox([self.person, self.new_name, self.rename_button, self.forget_button]),
                              self.people, self.status])
        self.widget.add_class("faceapp-app")
        self._update_people()
        problem = face_app.save_error or face_app.notice
        if problem:
            self.status.value = _warning(problem) if face_app.save_error else _ok(problem)

    # --- the panel ---

    def analysis(self, photo: str | None = None) -> Analysis:
        """The shown photo (or ``photo``: a shipped photo's name or an upload's label) through the pipeline."""
        photo = self.panel.values["photo"] if photo is None else photo
        if photo in self.uploads:
            img, key = self.uploads[photo]
            return self.app.analyze(img, key, photo[:-len(UPLOADED)])
        return self.app.analyze_offline(photo)

    def prefetch(self) -> float:
        """Run the detector and the encoder on every shipped photo the dropdown offers that has not been analysed
        yet (about 0.4 s each on two cores), so that choosing one only redraws. Returns the seconds it took."""
        start = time.perf_counter()
        for photo in self.panel.controls["photo"].options:
            if photo not in self.uploads:
                self.app.analyze_offline(photo)
        return time.perf_counter() - start

    def draw(self, fig: Any, threshold: float, photo: str, effect: str) -> str:
        """The panel's draw: the photo with its boxes, names or "unknown" and distances, beside the gallery (or the
        face-swapped photo). Returns the summary printed under the figure."""
        refresh = getattr(self.app.db, "refresh", None)
        if refresh is not None:
            refresh()  # an SQLite database: see what another page or the command line changed
        a = self.analysis(photo)
        recs = self.app.recognize(a, threshold)
        gs = fig.add_gridspec(1, 2, width_ratios=(1, 1.2))
        shown = self.app.swapped(a) if effect == "face swap" else a.photo
        draw_detections(fig.add_subplot(gs[0]), shown, a.cnn, a.cascade, recs,
                        title=f"{a.source}: threshold {threshold:.2f}")
        draw_gallery(fig.add_subplot(gs[1]), a.faces, self.app.db, threshold)
        return summarize(a, recs, threshold)

    def add_upload(self, filename: str, data: bytes) -> str:
        """Decode one uploaded file (JPEG / PNG only, ``read_upload``: upright from its EXIF orientation) and offer it
        in the photo dropdown. Returns its label there; raises PhotoError with the reason for a refused file."""
        img = read_upload(data)
        key = "upload:" + hashlib.sha1(bytes(data)).hexdigest()
        label = f"{filename}{UPLOADED}"
        n = 2
        while label in self.uploads and self.uploads[label][1] != key:  # another file of the same name
            label, n = f"{filename} #{n}{UPLOADED}", n + 1
        self.uploads[label] = (img, key)
        return label

    def _on_upload(self, change: dict) -> None:
        files = upload_files(change["new"])
        if not files:
            return
        added, refused = [], []
        for filename, data in files:
            try:
                added.append(self.add_upload(filename, data))
            except PhotoError as exc:
                refused.append(f"{filename}: {exc}")
            except Exception as exc:  # noqa: BLE001 - the page shows a message, never a traceback
                refused.append(f"{filename}: {type(exc).__name__}: {exc}")
        photo = self.panel.controls["photo"]
        if added:
            with self.panel.paused():  # new options reset the dropdown: redraw once, on the last good upload
                options = list(photo.options)
                photo.options = options + [a for a in dict.fromkeys(added) if a not in options]
                photo.value = added[-1]
        if refused:
            self.panel.show_message("refused: " + "; ".join(refused), stale=not added)
        self.upload.value = ()  # ready for the next files (the same file again too)

    # --- enroll, rename, forget ---

    def enroll(self) -> str:
        """Enroll face ``face_number`` of the shown photo under ``name``. Returns the message."""
        return self.app.enroll(self.name.value, self.analysis(), self.face_number.value)

    def rename(self) -> str:
        """Rename the chosen person to ``new_name`` (merged when that person exists). Returns the message."""
        old, new = self.person.value, self.new_name.value
        if not old:
            raise ValueError("nobody is enrolled yet: enroll a face first")
        moved = self.app.db.rename(old, new)
        self.new_name.value = ""
        return f"renamed {old!r} to {new.strip()!r} ({moved} enrollment(s))"

    def forget(self) -> str:
        """Forget the chosen person and every enrollment of theirs. Returns the message."""
        name = self.person.value
        if not name:
            raise ValueError("nobody is enrolled yet: there is no one to forget")
        removed = self.app.db.forget(name)
        if not removed:
            raise ValueError(f"nobody is enrolled as {name!r} (any more)")
        return f"forgot {name!r} ({removed} enrollment(s))"

    def _act(self, action: Callable[[], str]) -> None:
        """Run a button's action: its message in green, or its refusal as a warning; then redraw."""
        try:
            self.status.value = _ok(action())
        except (ValueError, KeyError, OSError, DatabaseError) as exc:
            self.status.value = _warning(_reason(exc))
        except Exception as exc:  # noqa: BLE001 - the page shows a message, never a traceback
            self.status.value = _warning(f"{type(exc).__name__}: {exc}")
        self._update_people()
        self.panel.redraw()

    def _update_people(self) -> None:
        db = self.app.db
        names = db.identities()
        counts = [f"{html.escape(n)} ({db.names.count(n)})" for n in names]
        self.people.value = (f"<b>{len(names)} people, {len(db)} enrollments:</b> " + ", ".join(counts) if names
                             else "<b>Nobody is enrolled yet:</b> choose a photo, type a name and click Enroll.")
        chosen = self.person.value
        self.person.options = names
        self.person.value = chosen if chosen in names else (names[0] if names else None)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


#: The steps of the first start, as the progress bar names them.
STEPS = ("Loading TensorFlow and the face detector (its shipped weights)",
         "Loading the face encoder and its thresholds",
         "Opening the face database",
         "Drawing the page")


class FaceAppPage:
    """The web app's page: a progress bar while the models load in a background thread, then the ``FaceAppUI``.

    Inputs: db_path (default ``default_database_path()``: ``$FACEAPP_DB`` or the app's own file); models (already
    loaded ``FaceModels``, e.g. in tests; default ``load_models()``); start: begin loading at once.
    Attributes: progress (the bar), step (its text), body (the loading view, then the app), ui (the ``FaceAppUI``
    once loaded), error (why the app could not start, or None), widget (the page).
    """

    def __init__(self, db_path: str | Path | None = None, models: Any = None, start: bool = True):
        self.db_path = Path(db_path) if db_path is not None else default_database_path()
        self.models = models
        self.ui: FaceAppUI | None = None
        self.error: str | None = None
        self.progress = W.IntProgress(value=0, min=0, max=len(STEPS), description="starting",
                                      bar_style="info", style={"description_width": "initial"})
        self.step = W.HTML()
        self.body = W.VBox([self.progress, self.step])
        self.body.add_class("faceapp-loading")
        self.widget = W.VBox([self.body])
        self.widget.add_class("faceapp-page")
        self._done = threading.Event()
        self._thread: threading.Thread | None = None
        if start:
            self.start()

    def start(self) -> None:
        """Load the models and open the database in a background thread (the page stays responsive)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="faceapp-load", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until the app is shown or could not start. Returns whether that happened within ``timeout``."""
        return self._done.wait(timeout)

    def _show_step(self, i: int, detail: str = "") -> None:
        self.progress.value = i
        self.progress.description = f"step {i + 1} of {len(STEPS)}"
        self.step.value = html.escape(STEPS[i] + (f": {detail}" if detail else "") + " ...")

    def _load_models(self) -> Any:
        from utils.face_detector import load_face_detector
        from utils.faceapp import load_models
        from utils.notebook import silence_tensorflow

        silence_tensorflow()
        self._show_step(0)
        load_face_detector()
        first = not encoder_cached()
        self._show_step(1, "training it, first start only (about a minute on two cores); later starts load it"
                        if first else "from the cache")
        return load_models()

    def _load(self) -> None:
        started = time.perf_counter()
        try:
            models = self.models if self.models is not None else self._load_models()
            self._show_step(2, str(self.db_path))
            db, problem = open_app_database(self.db_path)
            face_app = FaceApp(models, db)  # re-encodes the enrollments when the models changed since
            face_app.save_error = problem
            self._show_step(3)
            self.ui = FaceAppUI(face_app)
            self.progress.value = len(STEPS)
            footer = W.HTML(f"<small>face database: {html.escape(str(self.db_path))}; the app was ready in "
                            f"{time.perf_counter() - started:.1f} s</small>")
            footer.add_class("faceapp-footer")
            self.widget.children = [self.ui.widget, footer]
        except Exception as exc:  # noqa: BLE001 - the page shows a message, never a traceback
            self.error = f"The app could not start: {type(exc).__name__}: {exc}"
            self.progress.bar_style = "danger"
            self.step.value = _warning(self.error)
        finally:
            self._done.set()
        if self.ui is not None:
            with contextlib.suppress(Exception):  # a photo that fails is analysed (and its message shown) when chosen
                self.ui.prefetch()  # the other shipped photos, while the learner looks at the first

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


# --- serving it: make faceapp ------------------------------------------------------------------------------

def voila_command(notebook: str | Path = APP_NOTEBOOK, port: int = DEFAULT_PORT) -> list[str]:
    """The Voilà command line that serves ``notebook``: on 127.0.0.1 only, on ``port`` exactly (no other port when it
    is taken), behind a token (taken from ``$JUPYTER_TOKEN``, never on the command line), without the code cells'
    source or tracebacks, and without opening a browser."""
    port = int(port)
    if not 0 < port < 65536:
        raise ValueError(f"port must be between 1 and 65535, got {port}")
    return [sys.executable, "-m", "voila", str(notebook), "--no-browser", "--Voila.ip=127.0.0.1",
            f"--Voila.port={port}", "--Voila.port_retries=0", "--Voila.auto_token=True",
            "--VoilaConfiguration.strip_sources=True", "--VoilaConfiguration.show_tracebacks=False"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m utils.faceapp_app",
                                description="Serve the DIY FaceApp with Voilà on 127.0.0.1 (make faceapp).")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"the port (default {DEFAULT_PORT})")
    p.add_argument("--db", type=Path, default=None, metavar="PATH",
                   help=f"the face database (.sqlite; default ${DB_ENV} or the app's own file)")
    p.add_argument("--notebook", type=Path, default=APP_NOTEBOOK, help=argparse.SUPPRESS)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Print the app's URL with its token, then become the Voilà server (``os.execve``). Returns 2 on bad usage."""
    args = _parser().parse_args(argv)
    try:
        command = voila_command(args.notebook, args.port)
    except ValueError as exc:
        print(f"make faceapp: {exc}", file=sys.stderr)
        return 2
    token = os.environ.get(TOKEN_ENV) or secrets.token_hex(24)
    env = dict(os.environ, JUPYTER_TOKEN=token)
    db = Path(args.db).expanduser().resolve() if args.db is not None else default_database_path()
    env[DB_ENV] = str(db)
    print(f"The DIY FaceApp, served by Voilà (the first start loads the models; Ctrl-C stops it):\n"
          f"    http://127.0.0.1:{args.port}/?token={token}\n"
          f"face database: {db}", flush=True)
    os.execve(command[0], command, env)
    return 0  # not reached: execve does not return


if __name__ == "__main__":
    sys.exit(main())
