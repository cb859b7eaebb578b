#!/bin/sh
# Regenerates the HTML report screenshots of the README (docs/screenshots/): the
# seed repository tests/repos/seed-000 and the corpus repository with the most
# workflows, github/codeql-action, at 1280 px and at 400 px (a phone: tables
# become cards).
#
#   scripts/screenshots.sh [PIPEWISE_BINARY]    (default target/debug/pipewise)
#
# Needs headless Chromium (CHROMIUM, default /usr/bin/chromium; a version whose
# headless window can be 400 px wide, e.g. 120 or later). The corpus is read from
# PIPEWISE_SHARED (default /work/shared)/corpus. Each image is the top of the page
# (the scorecard, verdict, readiness, action plan and the first findings by rule):
# 2,400 px tall at 1280 px and 4,800 px at 400 px (override with HEIGHT_1280 and
# HEIGHT_400) to keep the files small. The whole page is checked for horizontal
# overflow at both widths by tests/reports.rs (html_report_fits_1280_and_400_pixels).
set -eu
cd "$(dirname "$0")/.."
bin=${1:-target/debug/pipewise}
chromium=${CHROMIUM:-/usr/bin/chromium}
shared=${PIPEWISE_SHARED:-/work/shared}
out=docs/screenshots
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shot() { # shot NAME REPO_DIR
    "$bin" audit "$2" --format html --date 2025-11-01 --fail-on none -o "$tmp/$1.html"
    for size in "1280,${HEIGHT_1280:-2400}" "400,${HEIGHT_400:-4800}"; do
        png="$out/$1-${size%%,*}.png"
        "$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
            --user-data-dir="$tmp/profile" --window-size="$size" \
            --screenshot="$png" "file://$tmp/$1.html" >/dev/null 2>&1
        echo "$png: $(wc -c <"$png") bytes"
    done
}

shot seed-000 tests/repos/seed-000
shot github__codeql-action "$shared/corpus/github__codeql-action"
