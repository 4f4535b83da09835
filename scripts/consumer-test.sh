#!/usr/bin/env bash
# The package as a consumer gets it (CI runs this after npm test): npm pack,
# install the tarball offline into a fresh project, then
#  (a) plain node runs the Node example: fit on two CSV files, impute, save,
#      reload, identical imputations;
#  (b) npx jpvae train && npx jpvae impute on the wasm backend; without the
#      optional packages, hvdMNIST and bench say what to install (exit 2);
#  (c) a strict TypeScript consumer type-checks an example, module nodenext
#      and again bundler;
#  (d) esbuild bundles the browser example, which fits and imputes in a Worker
#      in headless Chromium;
#  (e) Vite, webpack 5 and esbuild build the bundled app (examples/bundlers: a
#      fit in a Worker with default options, jpvae/runtime on both wasm
#      providers) as docs/deployment.md sets each up; it runs in headless
#      Chromium served with and without COOP/COEP and matches Node to 1e-5;
# and publint and arethetypeswrong check the package. Prints the sizes.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$repo"
[ -f dist/index.js ] || npm run build
tarball="$tmp/$(npm pack --ignore-scripts --silent --pack-destination "$tmp")"
consumer="$tmp/consumer"
mkdir -p "$consumer" && cd "$consumer"
node "$repo/scripts/consumer-lock.mjs" "$tarball" "$consumer"
npm ci --offline --no-audit --no-fund --silent
cp -r "$repo/examples" .
echo "sizes: tarball $(stat -c %s "$tarball") bytes, $(tar tzf "$tarball" | wc -l) files; installed: node_modules/jpvae $(du -sb node_modules/jpvae | cut -f1) bytes, with its dependencies $(du -sb node_modules/jpvae $(cat jpvae-dependencies.txt) | cut -f1 | paste -sd+ | bc) bytes (du -sb; @types/node, for the TypeScript check, and onnxruntime-web, the runtime's optional peer, for the bundled apps, not counted)"

# (a)
out="$(node examples/node/fit-impute.mjs examples/data model-api 2>/dev/null)"
echo "(a) $out"
echo "$out" | grep -q '"identical":true'

# (b)
[ "$(npx --no -- jpvae --version)" = "jpvae $(node -p "require('$repo/package.json').version")" ]
npx --no -- jpvae train --view1 examples/data/view1.csv --view2 examples/data/view2.csv --likelihood1 gaussian --likelihood2 gaussian \
  --latent 2 --hidden 32 --epochs 3 --backend wasm --out model-cli 2>/dev/null
npx --no -- jpvae impute --model model-cli --given 1 --input examples/data/new-view1.csv --out imputed.csv 2>&1
npx --no -- jpvae impute --model model-api --given 1 --input examples/data/new-view1.csv --out imputed-api.csv 2>&1
[ "$(wc -l < imputed.csv)" = 50 ] && [ "$(wc -l < imputed-api.csv)" = 50 ]
for cmd in "train --epochs 1" "bench --quick"; do
  set +e; msg="$(npx --no -- jpvae $cmd 2>&1)"; code=$?; set -e
  echo "(b) jpvae $cmd without its optional package: exit $code: $msg"
  [ "$code" = 2 ] && [ "$(echo "$msg" | wc -l)" = 1 ] && echo "$msg" | grep -q "npm install"
done

# (c)
for resolution in nodenext bundler; do
  module=$([ $resolution = nodenext ] && echo nodenext || echo esnext)
  printf '{ "compilerOptions": { "strict": true, "noEmit": true, "target": "ES2022", "module": "%s", "moduleResolution": "%s", "types": ["node"] }, "files": ["examples/typescript/consumer.ts"] }\n' "$module" "$resolution" > "tsconfig.$resolution.json"
  node "$repo/node_modules/typescript/bin/tsc" -p "tsconfig.$resolution.json"
  echo "(c) tsc --noEmit, moduleResolution $resolution: ok"
done

# (d)
echo "(d) $(NODE_PATH="$repo/node_modules" node "$repo/scripts/consumer-browser.mjs" "$consumer")"

# (e)
NODE_PATH="$repo/node_modules" node "$repo/scripts/consumer-bundlers.mjs" "$consumer" | sed 's/^/(e) /'

cd "$repo"
npx --no -- publint run --strict "$tarball" | tail -1
npx --no -- attw --profile esm-only "$tarball" > "$tmp/attw.txt" || { cat "$tmp/attw.txt"; exit 1; }
echo "arethetypeswrong (node16 ESM, bundler): no problems"
echo "consumer test: ok"
