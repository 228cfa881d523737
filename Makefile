# Two commands do everything on a fresh machine: `make demo` and `make test`.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)

.PHONY: setup demo test lint bench bench-ingest bench-cases bench-month bench-province

# System parts beyond Python packages (a CJK font for PDF notices, HarfBuzz subsetting for
# WeasyPrint) come from scripts/system-deps; without them the demo still runs, PDF tests fail.
# uv is installed with pip for the user when missing, and linked into /usr/local/bin when that is
# writable (root on a fresh machine), so the README's `uv run bottomline ...` works in a new shell.
# Packages are installed with their bytecode compiled, as pip does: a command then starts without
# compiling SQLAlchemy, PyArrow's Python and Typer first (1-3 s a process where bytecode is not
# written, e.g. with PYTHONDONTWRITEBYTECODE set or a read-only install).
setup:
	@command -v uv >/dev/null 2>&1 || [ -x "$(UV)" ] || python3 -m pip install --user --quiet "uv>=0.5"
	@command -v uv >/dev/null 2>&1 || { [ -w /usr/local/bin ] && ln -sf "$(UV)" /usr/local/bin/uv; } || \
		echo "note: uv is in $$(dirname $(UV)); add it to PATH to run the README's uv commands" >&2
	@$(UV) sync --frozen --quiet --compile-bytecode
	@scripts/system-deps || echo "warning: scripts/system-deps could not install the CJK font; PDF notices will lack Chinese glyphs" >&2

# `make demo SERVE=1` ends by serving the demo's store over the REST API (docs/api.md).
demo: setup
	@$(UV) run --frozen bottomline demo $(if $(SERVE),--serve)

lint: setup
	$(UV) run --frozen ruff check src tests bench
	$(UV) run --frozen ruff format --check src tests bench
	$(UV) run --frozen lint-imports
	$(UV) run --frozen mypy

# Starts a private PostgreSQL (installed from Debian's packages when missing) so the suite runs
# against SQLite and PostgreSQL both.
test: lint
	BOTTOMLINE_TEST_PG_URL="$$(scripts/pg-test-server | tail -n 1)" && export BOTTOMLINE_TEST_PG_URL && \
	$(UV) run --frozen pytest -p no:cacheprovider

bench: setup
	$(UV) run --frozen python bench/screening.py --sizes county city province

# About 20 min on 2 cores with the data cached (+2 min to generate the province); the pandas
# baseline needs ~11 GB of memory at province size.
bench-ingest: setup
	$(UV) run --frozen python bench/ingest.py --sizes county city province

# The case workflow's bulk paths on the SQLite store: intake, moves, notice rendering.
bench-cases: setup
	$(UV) run --frozen python bench/cases.py --sizes county city

# A county's month from its own files to dispatched clues, every step a CLI process (about
# 10 min a run on 2 cores; up to 3 runs while a run takes under 400 s).
bench-month: setup
	$(UV) run --frozen python bench/month.py

# A province's month (5M households, all feeds of one month) through the CLI, one run (~17 min on
# 2 cores). The first time it also generates the files (~11 min, peak 7.5 GB) and imports the
# registry county by county into a template data dir (~20 min); both are cached in
# bench/data/province/ (17 GB of disk; each run copies the 7 GB template into bench/work/).
bench-province: setup
	$(UV) run --frozen python bench/province.py
