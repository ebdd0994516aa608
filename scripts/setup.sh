#!/usr/bin/env bash
# Install what libclasssens needs on Debian 12 (apt packages only; nothing is downloaded from
# anywhere else). Safe to run repeatedly: it installs only what is missing.
# Usage: setup.sh [--with-browser]
#   --with-browser  also install Chromium, which the report tests render report.html with
#                   (without it those checks report "skipped")
set -euo pipefail

with_browser=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=1 ;;
    *) echo "setup: unknown option '$arg' (usage: setup.sh [--with-browser])" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential   # gcc, g++ (the C++ header check), make
  cmake pkg-config binutils tar
  zlib1g-dev        # gzip streams: IDX .gz files, cifar-10-binary.tar.gz
  libopenblas-dev   # sgemm for the layer core
  libpng-dev        # PNG decoding of image folders (cs_dataset_open_folder)
  libjpeg62-turbo-dev  # JPEG decoding of image folders (libjpeg-turbo's libjpeg.pc)
  check             # the unit test framework
  doxygen           # the API reference (cmake --build build --target docs)
  abigail-tools     # abidw/abidiff: scripts/abi.sh checks the ABI against abi/
  dataset-fashion-mnist  # the default data set, in /usr/share/datasets/fashion-mnist
  libopenmpi-dev    # MPI for the classsens tool's driver: mpirun -np N classsens study
  openmpi-bin       # mpirun (the MPI tests run it)
  locales           # locale-gen: de_DE.UTF-8 for the *_locale tests (below)
  clang             # libFuzzer and clang's sanitizers: scripts/fuzz.sh builds tests/fuzz with it
  python3-cffi      # the Python bindings (python/classsens: cffi in ABI mode, nothing compiled)
  python3-numpy     # their arrays
  python3-pandas    # their result tables (classsens.Results)
  python3-pytest    # their test suite (ctest's "python" test, python/tests)
  python3-matplotlib  # examples/python/study.py's figure
)
if [ "$with_browser" -eq 1 ]; then
  packages+=(chromium)   # headless rendering check of report.html (tests/report)
fi
names=()
for p in "${packages[@]}"; do
  names+=("${p%% *}")
done

missing=()
for p in "${names[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
need_root() {
  [ ${#sudo[@]} -eq 0 ] || command -v sudo >/dev/null || { echo "setup: need root (or sudo) to $1" >&2; exit 1; }
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
else
  need_root "install: ${missing[*]}"
  echo "setup: installing ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The numfmt_locale, json_locale and svg_locale tests write every text under a decimal-comma
# locale (and are skipped without one): generate de_DE.UTF-8 unless it is there.
if ! locale -a 2>/dev/null | grep -qix 'de_DE\.utf-\?8'; then
  need_root "generate the de_DE.UTF-8 locale"
  echo "setup: generating the de_DE.UTF-8 locale"
  "${sudo[@]}" sed -i 's/^# *de_DE.UTF-8/de_DE.UTF-8/' /etc/locale.gen
  "${sudo[@]}" locale-gen
fi
