import { MinnowError } from '../../errors.js';

/** What a sink kind's parser is given besides the spec: how to refuse it in one line. */
export interface SpecContext {
  /** The one-line INVALID_ARGUMENT error for this spec, naming the forms every kind accepts. */
  invalid(why: string): MinnowError;
  /** The option or argument the spec came from (`--output`), for messages. */
  flag: string;
}

/** A SpecContext for `value` given as `flag`, where `forms` lists every accepted spec form. */
export function specContext(flag: string, value: string, forms: string): SpecContext {
  return {
    flag,
    invalid: (why) =>
      new MinnowError('INVALID_ARGUMENT', `invalid ${flag} "${value}": ${why}`, {
        subject: value,
        hint: `use ${forms}`,
      }),
  };
}
