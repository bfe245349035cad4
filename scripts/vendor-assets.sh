#!/usr/bin/env bash
# Vendor front-end assets from the npm registry as built files (nothing loads from a CDN).
# Run when bumping a version; the output is committed under xinyong/web/static/vendor/.
set -euo pipefail
HTMX_VERSION="${HTMX_VERSION:-2.0.11}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@${HTMX_VERSION}" >/dev/null
tar -xzf htmx.org-*.tgz
install -m 0644 package/dist/htmx.min.js "$here/xinyong/web/static/vendor/htmx.min.js"
echo "htmx.org ${HTMX_VERSION} $(sha256sum package/dist/htmx.min.js | cut -d' ' -f1)" \
  > "$here/xinyong/web/static/vendor/VERSIONS"
cat "$here/xinyong/web/static/vendor/VERSIONS"
