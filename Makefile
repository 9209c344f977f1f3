# diploma — `make run` serves the app with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PORT ?= 5000
BIN := $(VENV)/bin
SECRET_FILE := instance/secret_key
# Encrypts the demo's signing keys (diploma.signing); the app reads it from instance/ like the secret key.
SIGNING_PASSPHRASE_FILE := instance/signing_passphrase
# The address the demo is served on: absolute links (QR codes, set-password links) are built on it, and
# requests for other hosts are refused. Set PUBLIC_BASE_URL to serve it under another name.
PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run database: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
# The app reads the secret key (and the address) from instance/ by itself: nothing to export.
FLASK := $(BIN)/flask --app wsgi

.PHONY: run worker test test-quick test-nightly setup system-packages test-packages checkers translations translations-update database lint clean

# The web server and the background-job worker together (scripts/serve.sh); Ctrl+C stops both.
run: system-packages setup database
	@echo "Serving on http://127.0.0.1:$(PORT), with the job worker  (Ctrl+C stops both)"
	BIN=$(BIN) sh scripts/serve.sh $(PORT)

# Only the background-job worker (when the web server runs elsewhere).
worker: setup
	$(FLASK) jobs worker

# The whole suite on SQLite, then the engine-dependent tests (all but those marked engine_independent:
# browser and pure-function tests) on PostgreSQL; each on PYTEST_WORKERS processes (pytest-xdist). The wall
# time of each database is printed at the end.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := $(if $(filter-out 0 1,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS))
test: test-packages setup checkers
	$(BIN)/ruff check .
	@start=$$(date +%s); echo "== tests on SQLite =="; \
	$(BIN)/pytest $(PYTEST_PARALLEL) || exit 1; \
	sqlite=$$(( $$(date +%s) - start )); \
	pg="$$($(BIN)/python scripts/find_postgres.py)"; \
	if [ -n "$$pg" ]; then \
		echo "== engine-dependent tests on PostgreSQL ($$pg) =="; start=$$(date +%s); \
		TEST_DATABASE_URL="$$pg" $(BIN)/pytest $(PYTEST_PARALLEL) -m "not engine_independent" || exit 1; \
		postgres="$$(( $$(date +%s) - start )) s"; \
	elif [ "$${CI:-}" = "true" ]; then \
		echo "PostgreSQL is required under CI but none answers on 127.0.0.1:5432" >&2; exit 1; \
	else \
		echo "No PostgreSQL server found (set TEST_DATABASE_URL or start one on 127.0.0.1:5432): SQLite only."; \
		postgres="not run"; \
	fi; \
	echo "== wall time: SQLite $$sqlite s, PostgreSQL $$postgres =="

# The working loop: the tests of the files changed since main (scripts/quick_tests.py), on SQLite only.
test-quick: setup
	@files="$$($(BIN)/python scripts/quick_tests.py)"; \
	if [ -z "$$files" ]; then echo "No test matches the files changed since main."; exit 0; fi; \
	echo "== $$files =="; $(BIN)/pytest -q $$files

# The checkers the accessibility tests run (tests/browser/test_accessibility.py): axe-core and the Nu Html
# Checker (vnu.jar, run on the machine's Java), exact versions from tests/checkers/package-lock.json. Their
# install scripts are not run (vnu-jar's would download a Java of its own; the machine's is used).
CHECKERS := tests/checkers/node_modules/.installed
checkers: $(CHECKERS)

$(CHECKERS): tests/checkers/package.json tests/checkers/package-lock.json
	npm ci --prefix tests/checkers --ignore-scripts --no-audit --no-fund
	touch $@

# For a nightly job, not for every change: the hostile-input properties with twenty times the examples,
# drawn at random (a failure prints the @reproduce_failure line that replays it), and the whole accessibility
# crawl (every page found, up to 70 per role and language; `make test` checks one page per template).
test-nightly: test-packages setup checkers
	HYPOTHESIS_PROFILE=nightly $(BIN)/pytest tests/security/test_hostile_input.py
	FULL_CRAWL=1 $(BIN)/pytest tests/browser/test_accessibility.py

system-packages:
	sh scripts/system-packages.sh run

test-packages:
	sh scripts/system-packages.sh test

setup: $(BIN)/.installed translations $(SECRET_FILE) $(SIGNING_PASSPHRASE_FILE)

$(BIN)/.installed: requirements.txt requirements-dev.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

$(SECRET_FILE):
	mkdir -m 700 -p instance && chmod 700 instance
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(48))" > $@
	chmod 600 $@

$(SIGNING_PASSPHRASE_FILE):
	mkdir -m 700 -p instance && chmod 700 instance
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(32))" > $@
	chmod 600 $@

translations: $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -d translations

# For developers: collect new strings and add them to the catalogues.
translations-update: $(BIN)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -N -i translations/messages.pot -d translations

database: setup
	umask 077 && echo "$(PUBLIC_BASE_URL)" > instance/public_base_url
	$(FLASK) db upgrade
	$(FLASK) demo seed

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/checkers/node_modules
