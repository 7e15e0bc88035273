/** commander argument parsers shared by the CLI commands: a bad value is a usage error naming the flag. */
import { InvalidArgumentError } from 'commander';

/** An integer flag; with `min: 0` also non-negative. */
export const integerArg =
  (name: string, { min }: { min?: 0 } = {}) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || (min !== undefined && n < min)) {
      throw new InvalidArgumentError(`${name} must be ${min === undefined ? 'an' : 'a non-negative'} integer`);
    }
    return n;
  };

/** A finite number flag. */
export const numberArg =
  (name: string) =>
  (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a number`);
    return n;
  };

/** A repeatable flag: every value, in order. */
export const collect = (v: string, previous: string[] | undefined): string[] => [...(previous ?? []), v];
