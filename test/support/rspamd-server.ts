import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './cli-process.js';
import { descendantsOf, findBinary, readOrEmpty, signal, uidOf, waitForExit } from './daemons.js';
import { makeTempDir } from './test-app.js';

/** A body containing this scores 7 in the test's Rspamd: its "add header" action (6), not reject (15). */
export const RSPAMD_SPAM_MARKER = 'mailwarden-test-spam-marker';

/** GTUBE: Rspamd's built-in test pattern, answered with its reject action. */
export const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

export interface RspamdServer {
  url: string;
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

export function rspamdInstalled(): boolean {
  return findBinary('rspamd') !== null;
}

/**
 * A real Rspamd (Debian's package) on a free loopback port, with its own configuration folder: the
 * normal worker only, no Redis, no DNS (a closed resolver port), the built-in GTUBE test patterns on,
 * and one Lua rule (RSPAMD_SPAM_MARKER) so that a test can ask for the "add header" action. Its
 * first start on a machine compiles Rspamd's URL tables (about 45 s); later starts take seconds.
 */
export async function startRspamd(): Promise<RspamdServer> {
  const binary = findBinary('rspamd');
  if (!binary) throw new Error('rspamd is not installed (apt-get install rspamd; .ci/run does it)');
  const temp = makeTempDir('mailwarden-rspamd-');
  const work = temp.dir;
  chmodSync(work, 0o755);
  const rspamdUid = uidOf('_rspamd');
  for (const dir of ['run', 'db', 'log']) {
    mkdirSync(path.join(work, dir));
    chownSync(path.join(work, dir), rspamdUid, -1);
  }
  const port = await freePort();
  writeFileSync(
    path.join(work, 'rules.lua'),
    `rspamd_config.MW_TEST_MARKER = {
  callback = function(task)
    for _, part in ipairs(task:get_text_parts() or {}) do
      if tostring(part:get_content() or ''):find('${RSPAMD_SPAM_MARKER}', 1, true) then return true end
    end
    return false
  end,
  score = 7.0,
  description = 'Mailwarden test marker',
}
`,
    { mode: 0o644 },
  );
  writeFileSync(
    path.join(work, 'rspamd.conf'),
    `options {
  pidfile = "${work}/run/rspamd.pid";
  dbdir = "${work}/db";
  enable_test_patterns = true;
  dns { nameserver = ["127.0.0.1:9"]; timeout = 1s; retransmits = 1; }
}
logging { type = "file"; filename = "${work}/log/rspamd.log"; level = "info"; }
actions { reject = 15; add_header = 6; greylist = 4; }
worker "normal" { bind_socket = "127.0.0.1:${port}"; count = 1; }
lua = "${work}/rules.lua";
`,
    { mode: 0o644 },
  );
  const out = openSync(path.join(work, 'log', 'start.out'), 'a');
  const child = spawn(
    binary,
    ['-c', path.join(work, 'rspamd.conf'), '-f', '-u', '_rspamd', '-g', '_rspamd'],
    {
      stdio: ['ignore', out, out],
    },
  );
  const pid = child.pid!;
  const stopOnExit = () => signal(pid, 'SIGTERM');
  process.on('exit', stopOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopOnExit);
    const processes = [pid, ...descendantsOf([pid])];
    for (const each of processes) signal(each, 'SIGCONT');
    signal(pid, 'SIGTERM');
    await waitForExit(processes, 15_000);
    if (!process.env['KEEP_RSPAMD']) temp.remove();
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 180_000;
  for (;;) {
    const up = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      const logs = `${readOrEmpty(path.join(work, 'log', 'start.out')).slice(-3000)}\n${readOrEmpty(path.join(work, 'log', 'rspamd.log')).slice(-3000)}`;
      await stop();
      throw new Error(`rspamd did not start\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, pid, log: () => readOrEmpty(path.join(work, 'log', 'rspamd.log')), stop };
}
