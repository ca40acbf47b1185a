/** Base of every error the library throws on purpose. */
export class DelegationError extends Error {
  override readonly name: string = 'DelegationError';
}

/** Input refused at the boundary; nothing was written. `field` names what was wrong. */
export class InvalidInputError extends DelegationError {
  override readonly name = 'InvalidInputError';
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`invalid ${field}: ${problem}`);
  }
}

/** A write lost an optimistic-concurrency race: the stream moved past `expectedVersion`. */
export class ConcurrencyError extends DelegationError {
  override readonly name = 'ConcurrencyError';
  constructor(
    readonly delegationId: string,
    readonly expectedVersion: number,
  ) {
    super(`delegation ${delegationId} is no longer at version ${expectedVersion}`);
  }
}

/** A create named an id that already belongs to a different delegation. */
export class DelegationExistsError extends DelegationError {
  override readonly name = 'DelegationExistsError';
  constructor(readonly delegationId: string) {
    super(`delegation ${delegationId} already exists`);
  }
}

/** Configuration that cannot be used; raised where the program cannot go on. */
export class ConfigurationError extends DelegationError {
  override readonly name = 'ConfigurationError';
}
