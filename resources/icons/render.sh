#!/usr/bin/env bash
# Renders the PNG sizes of the hicolor theme from the SVG (run after editing the SVG, commit both).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for size in 16 22 24 32 48 64 128 256 512; do
    mkdir -p "$here/hicolor/${size}x${size}/apps"
    rsvg-convert -w "$size" -h "$size" "$here/org.viralspot.Admin.svg" \
        -o "$here/hicolor/${size}x${size}/apps/org.viralspot.Admin.png"
done
