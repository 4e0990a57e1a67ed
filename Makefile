# Jiancha's two entry points (see README.md): `make demo` and `make test`.
# Both install what they need on a fresh Debian machine, system packages included.

SHELL := /bin/bash
UV_VERSION := 0.13.9
PYTHON ?= python3.11
UV := $(PYTHON) -m uv
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export JIANCHA_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo test setup system-packages browser-packages messages lint bench clean

demo: setup  ## build the demo region and serve it at http://127.0.0.1:8000
	$(UV) run jiancha demo

test: setup browser-packages  ## ruff, mypy, tests on SQLite and PostgreSQL, browser tests
	bash scripts/test.sh

setup: system-packages
	@$(PYTHON) -m uv --version 2>/dev/null | grep -q "$(UV_VERSION)" || $(PYTHON) -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --quiet --compile-bytecode
	cd jiancha && $(UV) run --no-sync python -m django compilemessages --settings=jiancha.settings -v 0

system-packages:  # gettext compiles the translation catalogs; Noto CJK is the font of the PDF exports
	@if ! command -v msgfmt >/dev/null || [ ! -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ]; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext fonts-noto-cjk; fi

browser-packages:  # Debian's Chromium for Playwright (never a downloaded browser) and CJK fonts
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; fi

messages:  ## refresh every translation catalog (then translate what is new)
	$(UV) run python -m jiancha.messages

lint:
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run mypy jiancha tests bench

bench:
	$(UV) run python -m bench.ledger
	$(UV) run python -m bench.synth

clean:
	rm -rf var test-artifacts .pytest_cache .mypy_cache .ruff_cache
