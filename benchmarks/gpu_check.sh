#!/usr/bin/env bash
# One prepared GPU check (see benchmarks/README.md, "GPU check"): on a CUDA machine it runs
#   1. the CUDA and CuPy test cases (pytest -m gpu),
#   2. a few AMP and channels_last training steps of ResNet-20 with and without push-pull,
#   3. GPU timings of PushPullConv2d against cuDNN's plain conv and of the CORF engine on
#      torch-CUDA (benchmarks/gpu_check.py),
# in under 8 minutes, and writes everything to ONE file: $OUT/gpu_check.md when OUT is set,
# else benchmarks/gpu_results/gpu_check.md. Without a GPU it says so and skips its GPU parts
# (exit status 0). It installs nothing and needs no network: it runs the repository's code
# through PYTHONPATH with whatever `python` (or $PYTHON) is on the path, which must have a
# CUDA build of torch; it prints what is missing.
#
# usage: benchmarks/gpu_check.sh [--quick]
set -uo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
python="${PYTHON:-python}"
quick=""
[[ "${1:-}" == "--quick" ]] && quick="--quick"

if [[ -n "${OUT:-}" ]]; then results_dir="$OUT"; else results_dir="$repo/benchmarks/gpu_results"; fi
mkdir -p "$results_dir"
results="$results_dir/gpu_check.md"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)

{
  echo "# v1pushpull GPU check"
  echo
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
} >"$results"

# what this python has (and lacks)
"$python" - >>"$results" 2>&1 <<'PY'
import importlib.util
needed = ["numpy", "scipy", "xarray", "array_api_compat", "pytest", "skimage", "matplotlib"]
optional = ["torch", "cupy"]
missing = [m for m in needed if importlib.util.find_spec(m) is None]
print("python packages: missing " + (", ".join(missing) if missing else "none"), end="")
absent = [m for m in optional if importlib.util.find_spec(m) is None]
print("; optional absent: " + (", ".join(absent) if absent else "none"))
if importlib.util.find_spec("torch") is not None:
    import torch
    print(f"torch {torch.__version__}, CUDA build {torch.version.cuda}, "
          f"CUDA available {torch.cuda.is_available()}")
    if torch.version.cuda is None:
        print("MISSING: this torch is a CPU build; install a CUDA build of torch to run the GPU parts")
if importlib.util.find_spec("cupy") is not None:
    try:
        import cupy
        print(f"cupy {cupy.__version__}, devices {cupy.cuda.runtime.getDeviceCount()}")
    except Exception as error:
        print(f"cupy present but unusable: {error}")
PY

has_cuda=$("$python" -c "import torch, sys; sys.stdout.write(str(int(torch.cuda.is_available())))" 2>/dev/null || echo 0)
status=0
if [[ "$has_cuda" != "1" ]]; then
  {
    echo
    echo "SKIPPED: no CUDA device is visible to $python (torch missing, a CPU build, or no GPU);"
    echo "the GPU tests, training steps and timings did not run."
  } >>"$results"
else
  {
    echo
    echo "## CUDA and CuPy test cases: pytest -m gpu"
    echo
    echo '```'
  } >>"$results"
  timeout 300 "$python" -m pytest -p no:cacheprovider -q -m gpu -o addopts="" tests >>"$results" 2>&1
  code=$?
  [[ $code -ne 0 ]] && status=1
  { echo '```'; echo "(pytest exit status $code)"; echo; } >>"$results"
  timeout 240 "$python" benchmarks/gpu_check.py --out "$results" $quick >/dev/null 2>>"$results"
  code=$?
  [[ $code -ne 0 ]] && status=1 && echo "gpu_check.py exit status $code" >>"$results"
fi
echo >>"$results"
echo "total $(( $(date +%s) - start )) s" >>"$results"
cat "$results"
echo "→ $results"
exit $status
