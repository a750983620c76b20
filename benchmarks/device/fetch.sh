#!/usr/bin/env bash
# Prepare, on this machine, what benchmarks/device/gpu_checks.sh needs on a lent GPU machine (no registry there):
#   .whl/   the pinned wheels (constraints.txt) of the packages its image lacks, for CPython 3.12 x86-64,
#           plus hatchling (to install denoisekit and its plugins editable from the carried tree) and spectral
#           (an sdist on PyPI: built here as a pure-Python wheel). pesq (a C extension, sdist only) is not
#           carried: there, speech runs without a reference (no PESQ-WB) and its metric tests fail to import
#   .devcache/  the built-in samples already built here (the image has no pydicom-data), as DENOISEKIT_CACHE
# Then call the device tool's run with carry [".whl", ".devcache"] and the command in gpu_checks.sh's header.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
pin() { grep -i "^$1==" constraints.txt | head -1; }
rm -rf .whl .devcache && mkdir -p .whl .devcache
PLATFORMS="--platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64"
PLATFORMS="$PLATFORMS --platform manylinux2014_x86_64 --platform manylinux1_x86_64"
for name in monai nibabel pydicom soundfile pystoi pyroomacoustics PyMUST ismrmrd xsdata einops hatchling; do
  spec=$(pin "$name"); [ -n "$spec" ] || { echo "no pin for $name in constraints.txt" >&2; exit 2; }
  "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    $PLATFORMS -d .whl "$spec"
done
# hatchling's own requirements that the image lacks, at the versions installed here
for name in pathspec trove-classifiers tomlkit; do
  version=$("$PY" -m pip show "$name" | awk '/^Version:/ {print $2}')
  "$PY" -m pip download -q --no-deps --only-binary=:all: -d .whl "$name==$version"
done
"$PY" -m pip wheel -q --no-deps --no-build-isolation -w .whl "$(pin spectral)"
# the built-in samples that `make demo` built here (the demo there reuses a complete build instead of rebuilding)
cache=${DENOISEKIT_CACHE:-$HOME/.cache/denoisekit}
for domain in ct hsi image mri speech ultrasound; do
  [ -n "$(ls -A "$cache/samples/$domain" 2>/dev/null)" ] || { echo "no built $domain sample in $cache: run make demo first" >&2; exit 2; }
done
cp -r "$cache/samples" .devcache/
du -sh .whl .devcache
