# DIY FaceApp workbook. Two commands a learner needs:
#   make lab    set up .venv (first time only) and open the workbook in JupyterLab
#   make test   set up .venv (first time only) and run every test (unit tests + all notebooks under nbval)

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
# TensorFlow extra: `gpu` (tensorflow[and-cuda]) when an NVIDIA driver is present, `cpu` otherwise.
TF_EXTRA ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP    := $(VENV)/.installed-$(TF_EXTRA)
# PORT= picks the port: JupyterLab's default is 8888 (make lab), the app's 8866 (make faceapp).
PORT     ?=
ROOTFLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
NOTEBOOK_DIRS := course1_nn course2_tuning course3_strategy course4_cnn pytorch_blitz faceapp
# The lessons nbval runs. faceapp/app.ipynb is left out on purpose: it is the page `make faceapp` serves, not a
# lesson (it starts loading the models in a background thread, which a kernel that nbval closes at once would
# cut short); tests/test_faceapp_app.py tests its code and tests/test_browser_faceapp.py the served page.
APP_NOTEBOOKS := faceapp/app.ipynb
LESSONS   = $(filter-out $(APP_NOTEBOOKS),$(foreach d,$(NOTEBOOK_DIRS),$(wildcard $(d)/*.ipynb)))
PYTEST_ARGS ?=

.PHONY: setup lab faceapp test test-unit test-notebooks refresh index exercises bench bench-browser bench-gpu data lock clean

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[$(TF_EXTRA),dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name diy-faceapp --display-name "Python (DIY FaceApp)" >/dev/null
	@# nbgrader is here for its preprocessors (learner mode); its course-management UI is switched off.
	@for e in formgrader validate_assignment assignment_list course_list; do \
	  $(BIN)/jupyter server extension disable --sys-prefix nbgrader.server_extensions.$$e >/dev/null 2>&1; done
	@$(BIN)/jupyter labextension disable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1
	@rm -f $(VENV)/.installed-*
	@touch $@

lab: setup
	@$(BIN)/python -m utils.exercises
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(or $(PORT),8888) $(ROOTFLAG) index.ipynb

# The FaceApp as a web app: faceapp/app.ipynb served by Voila on 127.0.0.1 behind a token (printed with the URL;
# FACEAPP_TOKEN=... fixes it), without code or tracebacks. DB=path.sqlite picks the face database (default: the
# app's own, as for the command line). Voila has no --allow-root: it runs as root without one.
faceapp: setup
	$(BIN)/python -m utils.faceapp_app --port $(or $(PORT),8866) $(if $(DB),--db "$(DB)")

# The exercise twins, generated with the solutions kept in, must run clean and pass every check.
SOLVED   := test-artifacts/exercises-solved
test: export FACEAPP_PROGRESS := $(CURDIR)/test-artifacts/exercise-progress.json

test: setup
	@$(BIN)/python -m utils.exercises
	@$(BIN)/python -m utils.exercises --force --solutions --out $(SOLVED) >/dev/null
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests $(wildcard index.ipynb) $(LESSONS) $(SOLVED) --nbval-lax

test-unit: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests

test-notebooks: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS) --nbval-lax $(LESSONS)

# Re-execute notebooks from their .py scripts and store the outputs: `make refresh NB=course1_nn/w2_logistic_regression.py`
refresh: setup
	$(BIN)/python -m utils.notebook refresh $(NB)

# Learner mode: write the exercise twins under exercises/ (kept if they exist: FORCE=1 overwrites them).
exercises: setup
	$(BIN)/python -m utils.exercises $(if $(FORCE),--force)

index: setup
	$(BIN)/python -m utils.notebook index

bench: setup
	$(BIN)/python -m bench

# The browser test alone (nothing else sharing the CPU, as in a learner's JupyterLab): its slider-to-figure
# latencies go to BENCHMARKS.md's widget table. About 20 minutes on 2 cores.
bench-browser: setup
	$(BIN)/python -m bench --only browser

# On a machine with an NVIDIA GPU: the heavy notebooks and the conv kernels on it, within 10 minutes; writes the
# "On a GPU" section of BENCHMARKS.md. Without a GPU it says so and exits 2.
bench-gpu: setup
	$(BIN)/python -m bench --gpu

# The real datasets, fetched once into the cache ($$FACEAPP_DATA): `make data` (both) or `make data WHAT=cifar10|lfw`.
data: setup
	$(BIN)/python -m utils.datasets fetch $(or $(WHAT),all)

# Write constraints.txt from the current .venv (after a deliberate upgrade; then run `make test`).
lock: setup
	@{ head -2 constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | sed 's/+cpu$$//' | sort -f; } > constraints.new
	@mv constraints.new constraints.txt

clean:
	rm -rf $(VENV) test-artifacts
