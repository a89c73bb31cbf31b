import type { ExpressionBuilder } from 'kysely';
import { errorReason, notAvailable, type Reading, reading } from '../score/index.js';
import type { Database } from '../store/index.js';

/** Runs a read; a failure (database down) is "could not check" with the reason, never a pass. */
export async function read<T>(work: () => Promise<T>): Promise<Reading<T>> {
  try {
    return reading(await work());
  } catch (error) {
    return notAvailable(errorReason(error));
  }
}

export const count = (row: { n: unknown } | undefined) => Number(row?.n ?? 0);

/**
 * How many of the credentials (API tokens, app passwords) were not used since `sinceMs`; one never
 * used counts from its creation.
 */
export function unusedSince<T extends 'api_tokens' | 'app_passwords'>(
  eb: ExpressionBuilder<Database, T>,
  sinceMs: number,
) {
  // Both tables have last_used_at and created_at; Kysely cannot see that through the type parameter.
  const credentials = eb as unknown as ExpressionBuilder<Database, 'api_tokens' | 'app_passwords'>;
  return credentials.fn
    .sum<number | string | null>(
      credentials
        .case()
        .when(credentials.fn.coalesce('last_used_at', 'created_at'), '<', sinceMs)
        .then(1)
        .else(0)
        .end(),
    )
    .as('unused');
}
