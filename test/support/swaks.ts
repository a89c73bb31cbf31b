import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { findBinary } from './daemons.js';
import { makeTempDir } from './test-app.js';

export interface SwaksResult {
  /** swaks' exit status: 0 when the message was accepted. */
  status: number;
  /** The server's last reply line (code, enhanced status, text). */
  lastReply: string;
  /** The server's reply to the end of DATA, when the dialogue got that far. */
  dataReply: string | null;
  transcript: string;
}

export function swaksInstalled(): boolean {
  return findBinary('swaks') !== null;
}

/**
 * Sends one message with swaks (a real SMTP client: EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA)
 * and returns what the server answered.
 */
export async function sendWithSwaks(options: {
  port: number;
  login: string;
  password: string;
  from: string;
  to: string[];
  raw: Buffer;
}): Promise<SwaksResult> {
  const temp = makeTempDir('mailwarden-swaks-');
  const file = path.join(temp.dir, 'message.eml');
  writeFileSync(file, options.raw);
  const args = [
    '--server',
    `127.0.0.1:${options.port}`,
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    options.login,
    '--auth-password',
    options.password,
    '--from',
    options.from,
    '--to',
    options.to.join(','),
    '--data',
    `@${file}`,
    '--timeout',
    '60',
  ];
  try {
    const { status, output } = await new Promise<{ status: number; output: string }>((resolve) => {
      execFile(
        findBinary('swaks') ?? 'swaks',
        args,
        { maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          resolve({ status: code, output: `${stdout}${stderr}` });
        },
      );
    });
    // Server lines: `<-` in clear, `<~` inside TLS, `<**` / `<~*` for error replies.
    const replies = output
      .split('\n')
      .filter((line) => /^<[-~]\*? /.test(line) || /^<\*\* |^<~\* /.test(line))
      .map((line) => line.replace(/^<[-~*]+\s+/, '').trim());
    const lines = output.split('\n');
    const dot = lines.findIndex((line) => /^ [-~]> \.$/.test(line));
    const afterDot = dot === -1 ? null : lines.slice(dot + 1).find((line) => /^<[-~*]+ /.test(line));
    return {
      status,
      lastReply: replies.filter((line) => !/^221 /.test(line)).at(-1) ?? '',
      dataReply: afterDot ? afterDot.replace(/^<[-~*]+\s+/, '').trim() : null,
      transcript: output,
    };
  } finally {
    temp.remove();
  }
}
