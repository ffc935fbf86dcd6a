#!/usr/bin/env bash
# What the browser tests (tests/browser) need outside Python: Debian's Chromium, which Playwright for Python drives
# through executable_path (Playwright never downloads a browser here), and axe-core from the npm registry, pinned by
# package.json + package-lock.json and installed into ./node_modules. Idempotent: quick when both are present.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian package: chromium"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi

if ! command -v npm >/dev/null; then
  echo "installing Debian package: npm"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi

wanted=$(node -p "require('./package-lock.json').packages['node_modules/axe-core'].version")
have=$(node -p "try { require('./node_modules/axe-core/package.json').version } catch (e) { '' }" 2>/dev/null || true)
if [ "$have" != "$wanted" ]; then
  echo "installing axe-core $wanted from the npm registry"
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi
