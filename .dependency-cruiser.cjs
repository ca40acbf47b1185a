/** Layer rules: the domain is pure, the app sees only the domain, adapters never reach into each other's faces. */
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
      comment: 'src/app depends on the domain and on ports, never on an adapter or the composition root.',
      severity: 'error',
      from: { path: '^src/app' },
      to: { path: '^src/(adapters|delegations\\.ts|index\\.ts|inversify\\.ts|drizzle\\.ts|memory\\.ts|simulator\\.ts|testing\\.ts)' },
    },
    {
      name: 'adapters-do-not-import-the-root',
      comment:
        'Only the composition root (src/delegations.ts and the entry points src/index.ts, inversify.ts, drizzle.ts, memory.ts, simulator.ts, testing.ts) sees every layer; adapters may not import it back, except the outward faces (cli, http) which drive a wired instance.',
      severity: 'error',
      from: { path: '^src/adapters', pathNot: '^src/adapters/(cli|http)' },
      to: { path: '^src/(delegations|index|inversify|drizzle|memory|simulator|testing)\\.ts$' },
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
