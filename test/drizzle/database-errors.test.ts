import { DrizzleQueryError } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { toDatabaseError } from '../../src/adapters/drizzle/database-errors.js';
import { ConcurrencyError, DatabaseConflictError, DatabaseError, DatabaseTimeoutError, DatabaseUnavailableError } from '../../src/domain/index.js';

const SECRET = 'caller-secret-4711';
const failedQuery = (cause: unknown) => new DrizzleQueryError(`UPDATE delegations SET error_detail = $1`, [SECRET], cause as Error);
const serverError = (code: string, message = `value "${SECRET}" is out of range`) =>
  Object.assign(new Error(message), { code, detail: `Key (id)=(${SECRET})` });
const systemError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, errno: -1, syscall: 'connect' });

describe('database failures as typed errors', () => {
  it.each([
    ['ECONNREFUSED', systemError('ECONNREFUSED'), DatabaseUnavailableError, 'unavailable'],
    ['ECONNRESET', systemError('ECONNRESET'), DatabaseUnavailableError, 'unavailable'],
    ['57P01 admin shutdown', serverError('57P01'), DatabaseUnavailableError, 'unavailable'],
    ['57P03 cannot connect now', serverError('57P03'), DatabaseUnavailableError, 'unavailable'],
    ['08006 connection failure', serverError('08006'), DatabaseUnavailableError, 'unavailable'],
    ['53300 too many connections', serverError('53300'), DatabaseUnavailableError, 'unavailable'],
    ['57014 statement timeout', serverError('57014'), DatabaseTimeoutError, 'timeout'],
    ['55P03 lock timeout', serverError('55P03'), DatabaseTimeoutError, 'timeout'],
    ['client read timeout', new Error('Query read timeout'), DatabaseTimeoutError, 'timeout'],
    ['connect timeout', new Error('timeout exceeded when trying to connect'), DatabaseUnavailableError, 'unavailable'],
    ['connection lost', new Error('Connection terminated unexpectedly'), DatabaseUnavailableError, 'unavailable'],
    ['40001 serialization failure', serverError('40001'), DatabaseConflictError, 'conflict'],
    ['40P01 deadlock', serverError('40P01'), DatabaseConflictError, 'conflict'],
    ['22003 out of range', serverError('22003'), DatabaseError, 'rejected'],
  ])('%s, wrapped by drizzle, becomes a %s without the statement or its values', (_, cause, type, kind) => {
    const error = toDatabaseError(failedQuery(cause));
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ kind });
    const text = JSON.stringify({ ...(error as object), message: (error as Error).message, cause: (error as Error).cause });
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('UPDATE');
  });

  it('names the startup parameter a pooler refuses, and the fix, but no other server message', () => {
    const refused = toDatabaseError(serverError('08P01', 'unsupported startup parameter: statement_timeout'));
    expect(refused).toBeInstanceOf(DatabaseUnavailableError);
    expect((refused as Error).message).toContain('refuses the startup parameter statement_timeout');
    expect((refused as Error).message).toContain('ignore_startup_parameters');
    expect((toDatabaseError(serverError('08P01')) as Error).message).toBe('the database connection failed (SQLSTATE 08P01)');
  });

  it('keeps the SQLSTATE and the system code', () => {
    expect(toDatabaseError(failedQuery(serverError('57014')))).toMatchObject({ sqlState: '57014', code: '57014' });
    expect(toDatabaseError(failedQuery(systemError('ECONNREFUSED')))).toMatchObject({ sqlState: undefined, code: 'ECONNREFUSED' });
  });

  it('hides the statement of a drizzle failure whose cause it does not know, and leaves other errors alone', () => {
    const unknown = toDatabaseError(failedQuery(new TypeError(`cannot serialise ${SECRET}`)));
    expect(unknown).toMatchObject({ kind: 'rejected', message: 'database call failed (TypeError)' });
    const ours = new ConcurrencyError('d1', 3);
    expect(toDatabaseError(ours)).toBe(ours);
    const plain = new RangeError('not a database error');
    expect(toDatabaseError(plain)).toBe(plain);
  });
});
