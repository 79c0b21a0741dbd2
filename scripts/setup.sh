#!/usr/bin/env bash
# Installs everything dplab needs on a Debian 12 host and builds it. Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(
  openvswitch-switch  # ovsdb-server, ovs-vswitchd (AF_XDP capable), ovs-vsctl/ofctl/appctl/dpctl
  iproute2 ethtool    # netns, veth, XDP attach, offload settings
  clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool  # BPF programs and loaders
  gcc make            # dplab's C helpers
  libclang-rt-14-dev  # libFuzzer, ASan and UBSan runtimes: the eBPF agent's ODP parser fuzzer (npm run test:fuzz)
  user-mode-linux     # guest kernel with openvswitch.ko for the kernel backend (--kernel uml:debian)
  qemu-system-x86 busybox-static cpio xz-utils zstd  # any kernel image as a guest (--kernel PATH|debian:PKG); xz/zstd unpack compressed modules
  chromium            # report.pdf / report.png (dplab report --pdf --png, through playwright-core)
  poppler-utils       # pdftotext: the report test reads the PDF back
  tshark              # the packet library's decode test reads built frames back with Wireshark's dissectors
  docker.io           # TRex server containers (testcontainers); tests build a stand-in image locally
  postgresql          # dplab publish --store postgresql://...; the store tests run a throwaway server of their own (suites/store)
  git ca-certificates
)

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: must run as root (installs Debian packages; runs create network namespaces)" >&2
  exit 3
fi

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The packages' init scripts must not start the system's OVS or PostgreSQL cluster: dplab runs
  # its own daemons, and its tests their own PostgreSQL server.
  RUNLEVEL=1 apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node: a supported LTS (>= 22.22, for testcontainers 12). An older system Node gets Node 24 from the npm registry.
. scripts/node-env.sh
if ! node_ok; then
  echo "setup: system Node $(node --version 2>/dev/null || echo none) is too old; installing Node 24 into .tools/node"
  mkdir -p .tools/node
  npm install --prefix .tools/node --no-save --no-audit --no-fund --loglevel=error node@24 >/dev/null
  . scripts/node-env.sh
  node_ok || { echo "setup: Node 24 install failed" >&2; exit 3; }
fi
echo "setup: node $(node --version)"

npm ci --no-audit --no-fund --loglevel=error
npm run -s build
echo "setup: done"
