import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * Sign-ins by real clients of the mail stack, each answering "ok" or "refused: " followed by the
 * server's own words: Python's imaplib and poplib, a ManageSieve (RFC 5804) AUTHENTICATE PLAIN over a
 * socket, and swaks for SMTP AUTH (over STARTTLS, as Postfix's submission service requires).
 */
const PYTHON_CLIENTS = `
import base64, imaplib, poplib, socket, sys
kind, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
if kind == "imap":
    client = imaplib.IMAP4("127.0.0.1", port, timeout=30)
    try:
        client.login(user, password)
        print("ok")
        client.logout()
    except imaplib.IMAP4.error as error:
        print("refused: " + str(error))
elif kind == "pop3":
    client = poplib.POP3("127.0.0.1", port, timeout=30)
    try:
        client.user(user)
        client.pass_(password)
        print("ok")
        client.quit()
    except poplib.error_proto as error:
        print("refused: " + error.args[0].decode("utf-8", "replace"))
elif kind == "sieve":
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    stream = sock.makefile("rb")
    def response():
        lines = []
        while True:
            line = stream.readline().decode("utf-8", "replace").rstrip("\\r\\n")
            if line == "":
                return "closed: " + " | ".join(lines)
            lines.append(line)
            if line.startswith(("OK", "NO", "BYE")):
                return line
    response()
    token = base64.b64encode(("\\0" + user + "\\0" + password).encode()).decode()
    sock.sendall(('AUTHENTICATE "PLAIN" "' + token + '"\\r\\n').encode())
    answer = response()
    print("ok" if answer.startswith("OK") else "refused: " + answer)
    sock.sendall(b"LOGOUT\\r\\n")
    sock.close()
`;

export type MailClientKind = 'imap' | 'pop3' | 'sieve';

export async function clientLogin(
  kind: MailClientKind,
  port: number,
  user: string,
  password: string,
): Promise<string> {
  const { stdout } = await promisify(execFile)('python3', [
    '-c',
    PYTHON_CLIENTS,
    kind,
    String(port),
    user,
    password,
  ]);
  return stdout.trim();
}

/** swaks's SMTP AUTH PLAIN after STARTTLS: "ok", or "refused: " and the server's reply to AUTH. */
export async function swaksAuth(port: number, user: string, password: string): Promise<string> {
  const args = [
    '--server',
    `127.0.0.1:${port}`,
    '--tls',
    '--auth',
    'PLAIN',
    '--auth-user',
    user,
    '--auth-password',
    password,
    '--quit-after',
    'AUTH',
    '--timeout',
    '60',
  ];
  const output = await promisify(execFile)('swaks', args).then(
    (done) => done.stdout,
    (error: { stdout?: string }) => error.stdout ?? '',
  );
  // swaks marks the server's lines "<~ " (over TLS) and the one that failed "<~* ".
  const replies = output
    .split('\n')
    .filter((line) => /^<~\*? /.test(line))
    .map((line) => line.replace(/^<~\*?\s+/, ''));
  const answer = replies.find((line) => /^(235|454|535|5\d\d|4\d\d) /.test(line) && !/^250/.test(line));
  if (answer?.startsWith('235 ')) return 'ok';
  return `refused: ${answer ?? replies.at(-1) ?? output.trim().split('\n').at(-1) ?? ''}`;
}
