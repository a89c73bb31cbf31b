import type { App } from '../app.js';

export interface SignInEntry {
  at: string;
  protocol: string;
  clientIp: string | null;
  country: string | null;
  credential: string | null;
  result: string;
  reason: string | null;
  risk: string | null;
}

/** The user's recent sign-ins, newest first. */
export async function recentSignIns(app: App, user: { id: string; address: string }): Promise<SignInEntry[]> {
  const page = await app.audit.search({ mailbox: user.address, operations: ['MailboxLogin'], limit: 50 });
  return page.records.map((record) => ({
    at: record.time,
    protocol: record.protocol ?? '-',
    clientIp: record.clientIp,
    country: null,
    credential: null,
    result: record.result,
    reason: typeof record.details?.['reason'] === 'string' ? (record.details['reason'] as string) : null,
    risk: null,
  }));
}
