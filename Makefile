# dangjian — the two commands of the README are `make run` and `make test`.
PORT ?= 8000
SCALE ?= city
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DJ := $(VENV)/bin/dangjian
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | sha1sum | cut -c1-12)
RUNTIME_DEBS := fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
TEST_DEBS := chromium poppler-utils

.PHONY: setup run test test-pg bench bench-load vendor demo-province clean help

help:
	@echo "make run    — 安装、迁移、加载示例数据并启动 http://127.0.0.1:$(PORT)"
	@echo "make test   — 安装并运行全部测试"
	@echo "make bench  — 运行性能基准（SCALE=city|province）"

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q pip==26.3 setuptools==84.2.1 wheel==0.48.0
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-*
	@touch $@

# The shared first half of `run` and `test`: system packages, the virtualenv at pinned versions,
# the local secret under var/.
setup: $(STAMP)
	@bash scripts/ensure-debian-packages.sh $(RUNTIME_DEBS)
	@mkdir -p var
	@test -s var/secret_key || $(PY) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	@chmod 600 var/secret_key

run: setup
	DJANGO_DEBUG=1 $(DJ) migrate --no-input -v 0
	DJANGO_DEBUG=1 $(DJ) demo --scale city --if-empty
	@DJANGO_DEBUG=1 $(DJ) demo_accounts
	DJANGO_DEBUG=1 $(DJ) runserver 127.0.0.1:$(PORT)

test: setup
	@bash scripts/ensure-debian-packages.sh $(TEST_DEBS)
	bash scripts/run-tests.sh

bench: setup
	DANGJIAN_TESTING=1 $(PY) bench/run.py --scale $(SCALE)

# Load test (docs/load.md): locust against gunicorn on loopback at city scale, 20 then 100 users.
bench-load: setup
	$(PY) -m pip install -q -r bench/requirements-load.txt
	$(PY) bench/load.py

# Re-vendor the front-end assets from npm (pinned in package.json); running never needs npm.
vendor:
	npm ci --no-audit --no-fund
	node scripts/vendor.js

clean:
	rm -rf $(VENV) var/staticfiles
