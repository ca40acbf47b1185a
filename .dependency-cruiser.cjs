/**
 * Layer rules: the domain is pure, the app sees only the domain, adapter families do not reach
 * into each other, and only the root (src/*.ts) and the two composition roots see every layer.
 *
 * The rooms: adapter families (memory, drizzle, system, logging, metrics, admin) translate a
 * port or hold what the faces share; the outward faces (cli, http) drive a wired instance;
 * src/simulator is a client of the services; src/main is the daemon's composition root;
 * src/testing holds the contract suites (vitest), published as ./testing only.
 */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain imports nothing from app, adapters or any package.',
      severity: 'error',
      from: { path: '^src/domain' },
      to: { pathNot: '^src/domain' },
    },
    {
      name: 'app-sees-no-adapter',
      comment: 'src/app depends on the domain and on ports, never on an adapter, a client of the services or the root.',
      severity: 'error',
      from: { path: '^src/app' },
      to: { path: '^src/(adapters|main|simulator|testing)/|^src/[^/]+\\.ts$' },
    },
    {
      name: 'adapter-families-are-separate',
      comment:
        'An adapter family (memory, drizzle, system, logging, metrics, admin) imports no other family, except the two every ' +
        'family may fall back on: system (the default clock) and logging (the silent logger). Wiring families together ' +
        'is the root’s job (src/wiring.ts, src/delegations.ts).',
      severity: 'error',
      from: { path: '^src/adapters/(memory|drizzle|system|logging|metrics|admin)/' },
      to: { path: '^src/adapters/', pathNot: '^src/adapters/($1|system|logging)/' },
    },
    {
      name: 'http-face-drives-services-only',
      comment: 'The HTTP face uses the ports and the query shapes it shares with the CLI (admin); it opens no store and builds no metrics.',
      severity: 'error',
      from: { path: '^src/adapters/http/' },
      to: { path: '^src/adapters/', pathNot: '^src/adapters/(http|admin)/' },
    },
    {
      name: 'cli-face-opens-stores-but-serves-nothing',
      comment:
        'The CLI may use what it drives: the families it opens stores and loggers with (drizzle, memory, logging, system), ' +
        'admin, the simulator and the daemon (src/main). The HTTP face and the metrics belong to the daemon, which wires them.',
      severity: 'error',
      from: { path: '^src/adapters/cli/' },
      to: { path: '^src/adapters/(http|metrics)/|^src/testing' },
    },
    {
      name: 'client-speaks-http-only',
      comment:
        'The HTTP client (the ./client export) runs in agents that embed no ledger: it sees the domain, the app’s types and ' +
        'validation and fetch, never another adapter, the server’s framework, a database driver or the container.',
      severity: 'error',
      from: { path: '^src/adapters/http-client/' },
      to: { path: '^src/adapters/(?!http-client/)|node_modules/(hono|@hono|pg|@electric-sql|drizzle-orm|inversify|reflect-metadata)/' },
    },
    {
      name: 'adapters-do-not-import-the-root',
      comment: 'Only the root (src/*.ts) sees every layer; adapters may not import it back, except the outward faces (cli, http) which drive a wired instance.',
      severity: 'error',
      from: { path: '^src/adapters', pathNot: '^src/adapters/(cli|http)' },
      to: { path: '^src/[^/]+\\.ts$' },
    },
    {
      name: 'simulator-is-a-client-of-the-services',
      comment:
        'src/simulator sees the domain, the app, the memory family, the silent logger and the one wiring function: it runs the real services on the memory store, never a database or a face.',
      severity: 'error',
      from: { path: '^src/simulator/' },
      to: { path: '^src/', pathNot: '^src/(simulator|domain|app|adapters/(memory|logging))/|^src/wiring\\.ts$' },
    },
    {
      name: 'only-the-cli-starts-the-daemon',
      comment: 'src/main is a composition root: the CLI `run` command starts it, nothing else imports it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(main|adapters/cli)/' },
      to: { path: '^src/main/' },
    },
    {
      name: 'daemon-wires-no-simulator',
      comment: 'src/main wires the faces, the metrics and the services; the simulator and the contract suites are not part of the daemon.',
      severity: 'error',
      from: { path: '^src/main/' },
      to: { path: '^src/(simulator|testing)/|^src/testing\\.ts$' },
    },
    {
      name: 'testing-is-published-apart',
      comment: 'The contract suites import vitest: only their entry (src/testing.ts, the ./testing export) may load them, never the library.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(testing/|testing\\.ts$)' },
      to: { path: '^src/testing/' },
    },
    {
      name: 'testing-sees-no-face',
      comment: 'The contract suites drive the ports and the services as a host wires them, never a face, the daemon or the simulator.',
      severity: 'error',
      from: { path: '^src/testing/' },
      to: { path: '^src/(adapters/(cli|http|metrics)|main|simulator)/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
