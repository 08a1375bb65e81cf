# DIY FaceApp workbook. Two commands a learner needs:
#   make lab    set up .venv (first time only) and open the workbook in JupyterLab
#   make test   set up .venv (first time only) and run every test (unit tests + all notebooks under nbval)

PYTHON   ?= python3
VENV     ?= .venv
BIN      := $(VENV)/bin
# TensorFlow extra: `gpu` (tensorflow[and-cuda]) when an NVIDIA driver is present, `cpu` otherwise.
TF_EXTRA ?= $(shell command -v nvidia-smi >/dev/null 2>&1 && echo gpu || echo cpu)
STAMP    := $(VENV)/.installed-$(TF_EXTRA)
PORT     ?= 8888
ROOTFLAG := $(shell [ "$$(id -u)" = 0 ] && echo --allow-root)
NOTEBOOK_DIRS := course1_nn course2_tuning course3_strategy course4_cnn pytorch_blitz faceapp
PYTEST_ARGS ?=

.PHONY: setup lab test test-unit test-notebooks refresh index exercises bench bench-gpu data lock clean

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
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) $(ROOTFLAG) index.ipynb

# The exercise twins, generated with the solutions kept in, must run clean and pass every check.
SOLVED   := test-artifacts/exercises-solved
test: export FACEAPP_PROGRESS := $(CURDIR)/test-artifacts/exercise-progress.json

test: setup
	@$(BIN)/python -m utils.exercises
	@$(BIN)/python -m utils.exercises --force --solutions --out $(SOLVED) >/dev/null
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests $(wildcard index.ipynb) $(foreach d,$(NOTEBOOK_DIRS),$(wildcard $(d)/*.ipynb)) $(SOLVED) --nbval-lax

test-unit: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS) tests

test-notebooks: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS) --nbval-lax $(foreach d,$(NOTEBOOK_DIRS),$(wildcard $(d)/*.ipynb))

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
