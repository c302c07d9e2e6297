#!/usr/bin/env bash
# Installs the Debian packages given as arguments, only those that are missing.
# Used by `make setup` (runtime: fonts, pango for WeasyPrint), `make test` (chromium) and .ci/run
# (postgresql). Runs apt-get update once, only when something has to be installed.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
((${#missing[@]})) || exit 0
echo "安装缺少的系统软件包 / installing Debian packages: ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "需要 root 权限安装：${missing[*]}（请以 root 运行，或先安装 sudo）" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
