#!/usr/bin/env bash
# Re-fetch the vendored Apache ECharts from the npm registry with `npm pack`, check the tarball
# against the registry's integrity hash (the one pinned below), and copy the minified build and
# its licence files into src/painpath/web/ui/static/vendor/echarts-<version>/.
#   scripts/vendor_echarts.sh            verify and (re)write the vendored copy
# Needs npm, node and network access to the npm registry. Nothing is fetched at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
version="6.1.0"
# `npm view echarts@6.1.0 dist.integrity`, pinned so a changed tarball is refused.
integrity="sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
target="src/painpath/web/ui/static/vendor/echarts-${version}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "echarts@${version}" >/dev/null)
tarball="$work/echarts-${version}.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | openssl base64 -A)"
if [ "$actual" != "$integrity" ]; then
  echo "echarts-${version}.tgz: integrity $actual, expected $integrity" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"
mkdir -p "$target"
cp "$work/package/dist/echarts.min.js" "$work/package/LICENSE" "$work/package/NOTICE" "$target/"
echo "echarts ${version} verified (${integrity}) and copied to ${target}"
