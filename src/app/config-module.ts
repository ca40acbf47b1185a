import { ContainerModule } from 'inversify';
import { resolveConfig, type ConfigOverrides } from './config.js';
import type { Logger } from './ports.js';
import { TOKENS } from './tokens.js';

type Env = Readonly<Record<string, string | undefined>>;

/** Binds the configuration (explicit overrides, then environment, then defaults) and the logger. */
export function configModule(overrides: ConfigOverrides, logger: Logger, env: Env): ContainerModule {
  const config = resolveConfig(overrides, env, logger);
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Logger).toConstantValue(logger);
    bind(TOKENS.Config).toConstantValue(config);
  });
}
