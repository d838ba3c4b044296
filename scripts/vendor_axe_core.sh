#!/usr/bin/env bash
# Re-fetch axe-core, the accessibility engine the browser tests inject (a test-only asset: the
# product never serves it), from the npm registry with `npm pack`; refuse a tarball whose
# SHA-512 is not the pinned one, then keep axe.min.js and its licence (MPL-2.0) in
#   tests/browser/vendor/axe-core-<version>/
#   scripts/vendor_axe_core.sh           re-fetch the pinned version and check it
#   scripts/vendor_axe_core.sh --check   only check the vendored files against a fresh tarball
# To move to another version: change VERSION and INTEGRITY (`npm view axe-core@X dist.integrity`)
# and AXE_VERSION in tests/browser/accessibility.py, then run this script.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION="4.14.1"
INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
target="tests/browser/vendor/axe-core-${VERSION}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "axe-core@${VERSION}" >/dev/null)
tarball="$work/axe-core-${VERSION}.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "axe-core ${VERSION}: integrity mismatch (got ${actual})" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work" package/axe.min.js package/LICENSE package/package.json
if [ "${1:-}" = "--check" ]; then
  cmp "$work/package/axe.min.js" "$target/axe.min.js"
  cmp "$work/package/LICENSE" "$target/LICENSE"
  echo "tests/browser/vendor/axe-core-${VERSION} matches the registry's ${INTEGRITY}"
  exit 0
fi
mkdir -p "$target"
cp "$work/package/axe.min.js" "$work/package/LICENSE" "$target/"
echo "vendored axe-core ${VERSION} (${INTEGRITY}) into ${target}"
