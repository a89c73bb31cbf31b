import type { Context } from 'hono';
import type { Actor } from '../audit/index.js';
import type { WebSession } from '../identity/index.js';
import type { ConsoleEnv } from './console-env.js';

/** Self-service actions are audited as the signed-in user (logon type owner), from their address. */
export function ownerActor(c: Context<ConsoleEnv>, address: string): Actor {
  return {
    actor: address,
    logonType: 'owner',
    clientIp: c.var.clientIp,
    clientInfo: c.req.header('user-agent')?.slice(0, 200) ?? 'web',
    protocol: 'web',
  };
}

/** What an admin does on the admin pages is audited as them, logon type admin, from their browser. */
export function adminActor(c: Context<ConsoleEnv>, session: WebSession): Actor {
  return { ...ownerActor(c, session.user.address), logonType: 'admin' };
}
