// A lockfile for the consumer test's project (scripts/consumer-test.sh), so
// that it installs offline: jpvae from the packed tarball, its dependencies
// (and @types/node, for the TypeScript check, and onnxruntime-web, for the
// bundled apps) at the versions and
// integrities of this repository's package-lock.json, whose tarballs
// `npm ci` has already put in the npm cache.
//   node scripts/consumer-lock.mjs TARBALL CONSUMER_DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const [tarball, consumer] = process.argv.slice(2);
const repo = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const locked = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')).packages;

/** The lock entry a package at `from` gets for `name`: the nearest node_modules/name up its path. */
function resolve(from, name) {
  for (let at = from; ;) {
    const path = `${at ? `${at}/` : ''}node_modules/${name}`;
    if (locked[path]) return path;
    if (!at) throw new Error(`${name} (needed by ${from || 'jpvae'}) is not in package-lock.json`);
    const up = at.lastIndexOf('/node_modules/');
    at = up < 0 ? '' : at.slice(0, up);
  }
}

const out = {},
  tar = `file:${tarball}`;
const add = (path) => {
  if (out[path]) return;
  const e = locked[path],
    name = path.slice(path.lastIndexOf('node_modules/') + 13);
  out[path] = {
    version: e.version,
    resolved: `https://registry.npmjs.org/${name}/-/${basename(name)}-${e.version}.tgz`,
    integrity: e.integrity,
    license: e.license,
    ...(e.dependencies ? { dependencies: e.dependencies } : {}),
  };
  for (const d of Object.keys(e.dependencies ?? {})) add(resolve(path, d));
};
for (const d of Object.keys(pkg.dependencies)) add(resolve('', d));
const ours = Object.keys(out); // jpvae's dependencies, whose installed size the consumer test reports
add('node_modules/@types/node');
add(resolve('', 'onnxruntime-web')); // the runtime's optional peer, for the bundled apps (scripts/consumer-bundlers.mjs)
const types = locked['node_modules/@types/node'].version;
const consumerPkg = {
  name: 'consumer',
  private: true,
  type: 'module',
  dependencies: { jpvae: tar, '@types/node': types, 'onnxruntime-web': locked['node_modules/onnxruntime-web'].version },
};
const lock = {
  name: 'consumer',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'consumer', dependencies: consumerPkg.dependencies },
    'node_modules/jpvae': {
      version: pkg.version,
      resolved: tar,
      license: pkg.license,
      dependencies: pkg.dependencies,
      bin: pkg.bin,
      engines: pkg.engines,
      peerDependencies: pkg.peerDependencies,
      peerDependenciesMeta: pkg.peerDependenciesMeta,
    },
    ...out,
  },
};
writeFileSync(join(consumer, 'package.json'), JSON.stringify(consumerPkg, null, 2) + '\n');
writeFileSync(join(consumer, 'package-lock.json'), JSON.stringify(lock, null, 2) + '\n');
writeFileSync(join(consumer, 'jpvae-dependencies.txt'), ours.join('\n') + '\n');
