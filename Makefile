# Developer and CI entry points. `make test` is all a fresh clone needs.

PYTHON ?= python3
# Builds a venv afresh from requirements: with uv (from PyPI, installed once per machine into
# ~/.cache/mfa-aws/uv) when it can be had, else with pip. `make MFA_AWS_INSTALLER=pip ...` forces pip.
INSTALL := $(PYTHON) tests/installer.py
VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
# Touched once requirements are installed: the venv is rebuilt when a requirements file is newer.
VENV_STAMP := $(VENV)/.requirements-installed
REQUIREMENTS := requirements.txt requirements-emulator.txt requirements-demo.txt tests/requirements-smoke.txt \
	requirements-dev.txt
# `make demo` gets only what the demo runs (requirements-demo.txt), in a venv of its own.
DEMO_VENV := .venv-demo
DEMO_STAMP := $(DEMO_VENV)/.requirements-installed
DEMO_REQUIREMENTS := requirements.txt requirements-emulator.txt requirements-demo.txt

# Parallel pytest workers. Most tests spend their time in ansible-playbook subprocesses, which
# partly wait (on forks, on the emulator), so more workers than cores pays off a little: on the
# 2-core CI machine 136 playbook-heavy tests took 83 s with 1 worker, 46 s with 2, 43 s with 4 and
# 47 s with 6. Override with `make test PYTEST_WORKERS=1` (or PYTEST_WORKERS=0 for no xdist at all).
PYTEST_WORKERS ?= 4
# How xdist hands out tests. With its default (load), each worker is given a share of the tests up front, and
# the one given the longest finishes alone: on 2 cores the full suite ran its last two minutes at half the CPU,
# 593 s in all. With worksteal, an idle worker takes tests still queued for another: 478 s, the last 6 s at half.
PYTEST_DIST ?= worksteal
# Workers for each smoke suite of `make test`: the two run side by side, so 2 each keep 2 cores as busy as 4 would.
SMOKE_WORKERS ?= 2
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k sts -x"`.
PYTEST_ARGS ?=
# Extra ansible-test sanity arguments, e.g. `make sanity SANITY_ARGS="--test validate-modules"`.
SANITY_ARGS ?=

# `make unit`, the edit-test loop: the unit tests, and the tests of the emulator's policy rules, the release
# matrix and the harness's result parsing, less any that start the emulator or ansible-playbook. The property
# tests of tests/reliability/test_validation_fuzz.py are pure too but take four times as long as all these;
# add them with `make unit PYTEST_ARGS=tests/reliability/test_validation_fuzz.py`.
UNIT_TESTS := tests/unit tests/emulator_tests/test_policy.py tests/matrix/test_releases.py \
	tests/harness_tests/test_result.py

# Every Python that make starts keeps the bytecode of what it imports, so each module a test imports is compiled
# once, on first use, rather than all of a venv ahead (45 to 60 CPU-seconds for .venv, most of it for modules no
# test imports) or, where PYTHONDONTWRITEBYTECODE is set as on many CI machines, again in every process.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := test
.PHONY: test pytest unit sanity sanity-beside matrix-ends matrix-venvs-beside matrix-after-pytest test-matrix
.PHONY: demo venv lint clean

# Unit, playbook and ecosystem tests on the default ansible-core, ansible-test sanity on it, and the smoke suite
# on the oldest and the newest release. Nearly all of it is CPU, so on 2 cores a run takes about its CPU time
# over 2, and what matters is that no core idles. pytest and sanity start together, at the same priority:
# sanity runs one test at a time, and at the lowest priority it got next to nothing while pytest kept both cores
# busy, then ran on alone on one core for a minute after everything else (a cold run with worksteal). The
# smoke suites' venvs are built beside them at the lowest priority (seconds, mostly waiting on PyPI). The smoke
# suites answer prompts within guards, so they start after pytest, side by side with SMOKE_WORKERS each.
# Each one's output is printed whole when it ends. Sanity on the ends too would not fit CI's 20 minutes on
# 2 cores: `make test-matrix` runs it there.
test:
	@$(MAKE) --no-print-directory -j3 --output-sync=target sanity-beside matrix-after-pytest

matrix-after-pytest: pytest matrix-venvs-beside
	@$(MAKE) --no-print-directory matrix-ends

# The venv first, here: the sub-make would otherwise build it too, at the same time as pytest's.
sanity-beside: $(VENV_STAMP)
	@$(MAKE) --no-print-directory sanity

matrix-venvs-beside:
	@nice -n 19 $(PYTHON) -m tests.matrix --ends --venvs-only

pytest: $(VENV_STAMP)
	@echo "==> pytest ($(PYTEST_WORKERS) workers)"
	@$(VENV_PYTHON) -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS)

# In one process: starting pytest-xdist workers would cost more than they save here.
unit: $(VENV_STAMP)
	@$(VENV_PYTHON) -m pytest -n 0 -m "not playbook and not emulator" $(UNIT_TESTS) $(PYTEST_ARGS)

# ansible-test sanity, in its docker-free venv mode, on a copy of the collection laid out as
# ansible_collections/mfa/aws (see tests/sanity/run_sanity.py). The first run on a machine builds
# ansible-test's venvs from PyPI, bootstrapping pip into each with uv when it can be had; later runs
# reuse them. Pick tests with `make sanity SANITY_ARGS="--test pylint"`.
sanity: $(VENV_STAMP)
	@echo "==> ansible-test sanity"
	@$(VENV_PYTHON) tests/sanity/run_sanity.py $(SANITY_ARGS)

# The smoke suite (tests marked `smoke`) on the oldest and the newest release in tests/matrix/releases.py.
# Their venvs live in ~/.cache/mfa-aws/venvs, keyed by the requirements: built on a machine's first run
# (seconds with uv, about a minute with pip), reused after.
matrix-ends:
	@$(PYTHON) -m tests.matrix --ends --no-sanity --side-by-side --workers $(SMOKE_WORKERS)

# Every supported release: the smoke suite on each, ansible-test sanity on the oldest and the newest.
test-matrix:
	@$(PYTHON) -m tests.matrix --workers $(PYTEST_WORKERS)

# The seed scenarios through the collection against the local AWS emulator, in a throwaway HOME.
demo: $(DEMO_STAMP)
	@$(DEMO_VENV)/bin/python -m tests.demo

# --no-compile: the demo imports a fraction of what it installs, once; compiling all of it ahead would cost
# more than Python compiling what the demo imports as it goes.
$(DEMO_STAMP): $(DEMO_REQUIREMENTS)
	@$(INSTALL) $(DEMO_VENV) -r requirements-demo.txt --progress --no-compile
	@touch $@

venv: $(VENV_STAMP)

# The venv is made from empty each time, so a requirement dropped from the files is dropped here too,
# and the venv always matches what a fresh clone (and CI) gets.
$(VENV_STAMP): $(REQUIREMENTS)
	@$(INSTALL) $(VENV) -r requirements-dev.txt --no-compile
	@touch $@

# Mutation testing of the core (tests/mutation/README.md): not part of `make test` nor CI; about an hour on 2 cores.
# One file: `make mutation FILES=plugins/module_utils/_sts/ledger.py`; one mutant: `make mutation MUTANT=<id>`;
# the mutants and their ids, without running them: `make mutation FILES=... MUTATION_ARGS=--list`.
MUTATION_JOBS ?= 2
.PHONY: mutation
mutation: $(VENV_STAMP)
	@$(VENV_PYTHON) -m tests.mutation --jobs $(MUTATION_JOBS) $(if $(FILES),--files $(FILES)) \
		$(if $(MUTANT),--mutant $(MUTANT)) $(MUTATION_ARGS)

# Not part of `make test`: style is checked on request, correctness always.
lint: $(VENV_STAMP)
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) $(DEMO_VENV) .pytest_cache .ruff_cache .hypothesis
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
