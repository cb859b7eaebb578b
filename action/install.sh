#!/usr/bin/env bash
# Installs pipewise for the GitHub Action (action.yml): a release binary when
# PIPEWISE_VERSION names a release of this action's repository, else a `pipewise`
# already on PATH, else a build from the action's own source with cargo
# (`cargo install --locked`; the toolchain must be rustc 1.95 or newer).
set -euo pipefail

dest=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/pipewise-bin
mkdir -p "$dest"

if [[ -n ${PIPEWISE_VERSION:-} ]]; then
    repo=${PIPEWISE_ACTION_REPOSITORY:?the action repository is unknown: set PIPEWISE_ACTION_REPOSITORY}
    case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) target=x86_64-unknown-linux-gnu ;;
    Linux-aarch64) target=aarch64-unknown-linux-gnu ;;
    Darwin-arm64) target=aarch64-apple-darwin ;;
    Darwin-x86_64) target=x86_64-apple-darwin ;;
    MINGW* | MSYS* | CYGWIN*) target=x86_64-pc-windows-msvc ;;
    *) echo "pipewise: no release build for $(uname -s)-$(uname -m); leave 'version' empty to build from source" >&2; exit 1 ;;
    esac
    url="https://github.com/$repo/releases/download/$PIPEWISE_VERSION/pipewise-$target.tar.gz"
    echo "pipewise: downloading $url"
    curl --fail --silent --show-error --location --retry 3 "$url" | tar -xz -C "$dest"
elif command -v pipewise >/dev/null 2>&1; then
    echo "pipewise: using $(command -v pipewise) ($(pipewise --version))"
    exit 0
else
    src=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
    echo "pipewise: building from $src"
    cargo install --locked --quiet --path "$src/crates/pipewise-cli" --root "$dest/.."
    mv -f "$dest/../bin/pipewise"* "$dest/"
fi

if [[ -n ${GITHUB_PATH:-} ]]; then echo "$dest" >>"$GITHUB_PATH"; fi
"$dest/pipewise" --version
