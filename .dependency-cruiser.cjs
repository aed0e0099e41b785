// The architecture as rules, run by `npm run lint` and by __tests__/architecture.test.ts: no import cycles (type
// imports count: two files that import each other are one module), and each folder imports only the folders below
// it. Bottom up: core → lib → config → the adapters (render, profile, trivy, baseline, feeds, delivery) → app → the
// shells.

/** A rule that `folder` imports nothing in src/ but itself and `allowed`. */
function layer(folder, allowed, why) {
  const own = [folder, ...allowed].join('|');
  return {
    name: `layer-${folder}`,
    severity: 'error',
    comment: why,
    from: { path: `^src/${folder}/` },
    // src/version.ts is a constant every layer may read.
    to: { path: '^src/', pathNot: [`^src/(${own})/`, '^src/version[.]ts$'] },
  };
}

/** Everything below the application run. */
const ADAPTERS = [
  'core',
  'lib',
  'config',
  'render',
  'profile',
  'trivy',
  'registry',
  'kube',
  'baseline',
  'feeds',
  'delivery',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Files that import each other, directly or round about (types too): move the shared part to a leaf.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    layer('core', [], 'core is pure: findings, profiles, judging, results; it imports nothing else of vulngate'),
    layer('lib', ['core'], 'lib holds the generic helpers (HTTP, retry, processes): core at most'),
    layer('config', ['core', 'lib'], 'config reads options into settings: it knows no adapter'),
    layer('render', ['core', 'lib'], 'renderers are pure functions of the results'),
    layer('profile', ['core', 'lib', 'config'], 'profiles are read from YAML and git: no other adapter'),
    layer('trivy', ['core', 'lib', 'config'], 'Trivy is found, verified and run on its own'),
    layer('registry', ['core', 'lib', 'config'], 'registries are asked for manifests through the one HTTP client'),
    layer('kube', ['core', 'lib', 'config'], 'the Kubernetes API is read through the one HTTP client'),
    layer('baseline', ['core', 'lib', 'config'], 'the baseline is read from files and CI APIs: no delivery'),
    layer('feeds', ['core', 'lib', 'config'], 'the KEV and EPSS feeds are read from files and URLs: no other adapter'),
    layer('delivery', ['core', 'lib', 'config', 'render'], 'receivers send what the renderers made'),
    layer(
      'app',
      ['core', 'lib', 'config', 'render', 'profile', 'trivy', 'registry', 'kube', 'baseline', 'feeds', 'delivery'],
      'not the shells',
    ),
    layer('action', [...ADAPTERS, 'app'], 'a shell'),
    layer('cli', [...ADAPTERS, 'app'], 'a shell'),
  ],
  options: {
    // Type-only imports count: a cycle of types is still two files that cannot be understood apart.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
  },
};
