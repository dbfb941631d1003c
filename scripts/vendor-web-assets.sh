#!/usr/bin/env bash
# Vendor the JavaScript the web pages use (sdmx_publish/serve/web/static/vendor/), so that the
# explorer and factsheets work with no internet. Run by a maintainer when upgrading; the files are
# committed and shipped as package data. Needs npm (Debian: apt-get install -y npm).
#
# What it does: `npm pack NAME@VERSION` fetches each package's tarball from the npm registry, the
# script copies the minified UMD build and the LICENSE out of it, and writes VENDOR.md with the
# version, licence, the registry's integrity hash and the sha256 of every copied file.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=sdmx_publish/serve/web/static/vendor
# name@version  file-in-package  (vega-embed needs vega and vega-lite; the three are one set)
PACKAGES=(
  "vega@6.4.0 build/vega.min.js"
  "vega-lite@6.5.0 build/vega-lite.min.js"
  "vega-embed@7.3.0 build/vega-embed.min.js"
)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$OUT"
{
  echo "# Vendored JavaScript"
  echo
  echo "Written by \`scripts/vendor-web-assets.sh\` ($(date -u +%Y-%m-%d)); do not edit by hand."
  echo "Each file is copied unchanged from the package tarball that \`npm pack\` fetched from the npm registry."
  echo
  echo "| package | version | licence | file | sha256 | tarball integrity (npm) |"
  echo "|---|---|---|---|---|---|"
} > "$TMP/VENDOR.md"
for entry in "${PACKAGES[@]}"; do
  read -r spec file <<<"$entry"
  name=${spec%@*}
  version=${spec##*@}
  (cd "$TMP" && npm pack --silent "$spec" > /dev/null)
  mkdir -p "$TMP/$name" && tar xzf "$TMP/$name-$version.tgz" -C "$TMP/$name"
  cp "$TMP/$name/package/$file" "$OUT/$(basename "$file")"
  cp "$TMP/$name/package/LICENSE" "$OUT/LICENSE.$name"
  licence=$(node -p "require('$TMP/$name/package/package.json').license")
  integrity=$(npm view "$spec" dist.integrity)
  sha=$(sha256sum "$OUT/$(basename "$file")" | cut -d' ' -f1)
  echo "| $name | $version | $licence (\`LICENSE.$name\`) | \`$(basename "$file")\` | \`$sha\` | \`$integrity\` |" >> "$TMP/VENDOR.md"
done
{
  echo
  echo "vega.min.js bundles parts of d3 (ISC licence, Mike Bostock), as the vega package's own build does."
} >> "$TMP/VENDOR.md"
cp "$TMP/VENDOR.md" "$OUT/VENDOR.md"
echo "vendored into $OUT:"
ls -l "$OUT"
