#!/usr/bin/env bash
# summary: install the Debian 12 packages apiary needs to build, test and demo.
#
# Idempotent: asks dpkg which packages are missing and installs only those,
# so a second run costs a fraction of a second.  Needs root on a fresh
# machine; when everything is present it needs nothing.
set -euo pipefail

# Build: compilers, libraries (with their pkg-config files), eBPF tooling.
build_pkgs=(
  build-essential pkg-config clang llvm libclang-rt-14-dev
  libpcap-dev libhyperscan-dev libpcre2-dev libhtp-dev libssl-dev
  libsqlite3-dev libcmocka-dev zlib1g-dev libbpf-dev bpftool libelf-dev
  libcap-dev libjansson-dev
)
# Tests, demo and benchmarks: traffic makers, peers and oracles (chromium
# renders the demo's report in the end-to-end test).
tool_pkgs=(
  iproute2 ethtool tcpdump tshark tcpflow argus-server argus-client nmap hping3
  iperf3 jq curl wget python3 python3-scapy openssh-server openssh-client
  sshpass rsyslog rsyslog-openssl aide sqlite3 busybox-static tmux socat
  netcat-openbsd expect procps psmisc util-linux sleuthkit file
  libcap2-bin openssl bind9-dnsutils
  chromium fonts-dejavu-core
)

want=("${build_pkgs[@]}")
case "${1:-all}" in
  build) ;;
  all) want+=("${tool_pkgs[@]}") ;;
  *) echo "usage: $0 [build|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
