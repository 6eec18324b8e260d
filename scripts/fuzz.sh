#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ (one per reader of outside bytes) and runs each for
# RUNS executions, one after the other.
#
#   scripts/fuzz.sh [HARNESS|all] [RUNS]      e.g. scripts/fuzz.sh png 10000
#
# HARNESS is one of the names below (default all); RUNS defaults to 1,000,000. Seeds are the
# harness's own tiny generated files (FUZZ_SEED_DIR) plus the matching test fixtures; what the
# fuzzer learns is kept in Fuzz/.build/fuzz/HARNESS/corpus for the next run. A crash, a
# sanitizer report, an input slower than 10 s, an allocation over MALLOC_MB (64) or a process
# over RSS_MB (2048) stops that harness with its input in Fuzz/.build/fuzz/HARNESS/; the script
# goes on to the next and exits non-zero at the end. Extra libFuzzer flags: FUZZ_FLAGS="...".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

ALL=(png jpeg webp safetensors style-model training-checkpoint checkpoint onnx protobuf tensor-program
     torch-legacy torch-zip numpy-pickle)
which="${1:-all}"
runs="${2:-1000000}"
MALLOC_MB="${MALLOC_MB:-64}"
RSS_MB="${RSS_MB:-2048}"
MAX_LEN="${MAX_LEN:-8192}"
if [[ "$which" == all ]]; then harnesses=("${ALL[@]}"); else harnesses=("$which"); fi
for h in "${harnesses[@]}"; do
    [[ " ${ALL[*]} " == *" $h "* ]] || { echo "unknown harness '$h' (one of: ${ALL[*]})" >&2; exit 2; }
done

flags=(-c release -Xswiftc -sanitize=fuzzer,address)
(cd Fuzz && swift build "${flags[@]}" >&2)
bin="$(cd Fuzz && swift build "${flags[@]}" --show-bin-path)"

# Test fixtures that seed a harness, besides the files it generates.
fixtures() {
    case "$1" in
        png) ls Tests/ImagingTests/Fixtures/*.png ;;
        jpeg) ls Tests/ImagingTests/Fixtures/*.jpg ;;
        torch-zip) ls Tests/ModelsTests/Fixtures/torch-zip/*.pth ;;
        numpy-pickle) ls Tests/ModelsTests/Fixtures/numpy-pickle/*.pkl ;;
    esac
}

failed=()
for h in "${harnesses[@]}"; do
    work="Fuzz/.build/fuzz/$h"
    rm -rf "$work/seeds"
    mkdir -p "$work/corpus"
    FUZZ_SEED_DIR="$work/seeds" "$bin/fuzz-$h"
    for file in $(fixtures "$h"); do
        # Larger files would be cut to MAX_LEN, which only damages them.
        [[ $(wc -c < "$file") -le $MAX_LEN ]] && cp "$file" "$work/seeds/"
    done
    echo "== fuzz-$h: $runs runs (seeds: $(ls "$work/seeds" | wc -l), log: $work/log)"
    # shellcheck disable=SC2086
    if "$bin/fuzz-$h" "$work/corpus" "$work/seeds" -runs="$runs" -max_len="$MAX_LEN" -timeout=10 \
        -rss_limit_mb="$RSS_MB" -malloc_limit_mb="$MALLOC_MB" -artifact_prefix="$work/" \
        -print_final_stats=1 ${FUZZ_FLAGS:-} > "$work/log" 2>&1; then
        grep -E '^Done [0-9]+ runs' "$work/log" || tail -n 3 "$work/log"
    else
        failed+=("$h")
        tail -n 40 "$work/log"
        echo "!! fuzz-$h failed; input and log in $work/"
    fi
done
if (( ${#failed[@]} > 0 )); then echo "failed: ${failed[*]}"; exit 1; fi
echo "all ${#harnesses[@]} harness(es) passed $runs runs"
