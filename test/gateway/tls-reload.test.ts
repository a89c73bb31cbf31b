import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generate } from 'selfsigned';
import { prepareMailwarden, SENDER, type ServedMailwarden } from '../support/served-mailwarden.js';
import { SmtpDialogue } from '../support/smtp-dialogue.js';
import { makeTempDir } from '../support/test-app.js';

interface Pair {
  cert: string;
  key: string;
}

async function makePair(
  commonName: string,
  notAfter = new Date(Date.now() + 90 * 86_400_000),
): Promise<Pair> {
  const generated = await generate([{ name: 'commonName', value: commonName }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(Date.now() - 2 * 86_400_000),
    notAfterDate: notAfter,
  });
  return { cert: generated.cert, key: generated.private };
}

/** The common name of the certificate a new implicit-TLS or STARTTLS session is given. */
async function presentedName(served: ServedMailwarden, mode: 'implicit' | 'starttls'): Promise<string> {
  const { client } = await SmtpDialogue.connect(
    mode === 'implicit' ? served.ports.smtps : served.ports.smtp,
    {
      implicitTls: mode === 'implicit',
    },
  );
  try {
    if (mode === 'starttls') {
      await client.command('EHLO client.test');
      assert.equal((await client.startTls()).code, 220);
    }
    return String(client.peerCertificate()?.subject.CN);
  } finally {
    await client.quit();
  }
}

/** Resolves once the server's log holds `text` `count` times (the reload is asynchronous). */
async function logged(served: ServedMailwarden, text: string, count: number): Promise<void> {
  const giveUp = Date.now() + 30_000;
  while (served.log().split(text).length - 1 < count) {
    if (Date.now() > giveUp) throw new Error(`the log never said ${text} ${count} times:\n${served.log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('SIGHUP reloads the TLS certificate and key without dropping sessions', () => {
  const temp = makeTempDir('mailwarden-tls-reload-');
  const certFile = path.join(temp.dir, 'fullchain.pem');
  const keyFile = path.join(temp.dir, 'privkey.pem');
  let served: ServedMailwarden;
  let pairA: Pair;
  let pairB: Pair;
  let pairC: Pair;
  const install = (pair: Pair) => {
    writeFileSync(keyFile, pair.key, { mode: 0o600 });
    writeFileSync(certFile, pair.cert);
  };

  before(async () => {
    [pairA, pairB, pairC] = await Promise.all([
      makePair('a.mail.test'),
      makePair('b.mail.test'),
      makePair('c.mail.test'),
    ]);
    install(pairA);
    served = await prepareMailwarden({
      env: { MAILWARDEN_TLS_CERT_FILE: certFile, MAILWARDEN_TLS_KEY_FILE: keyFile },
    });
    await served.start();
  });
  after(async () => {
    await served?.remove();
    temp.remove();
  });

  test('new sessions get the renewed certificate while a session opened before the renewal sends its message', async () => {
    assert.equal(await presentedName(served, 'implicit'), 'a.mail.test');
    // A session in the middle of a transaction, encrypted with certificate A.
    const { client: open } = await SmtpDialogue.connect(served.ports.smtps, { implicitTls: true });
    assert.equal((await open.command('EHLO client.test')).code, 250);
    assert.equal((await open.authPlain(SENDER, served.appPassword)).code, 235);
    assert.equal((await open.command(`MAIL FROM:<${SENDER}>`)).code, 250);
    assert.equal(open.peerCertificate()?.subject.CN, 'a.mail.test');

    install(pairB);
    served.child.kill('SIGHUP');
    await logged(served, '"tls certificate reloaded"', 1);

    assert.equal(await presentedName(served, 'implicit'), 'b.mail.test');
    assert.equal(await presentedName(served, 'starttls'), 'b.mail.test');
    assert.ok(served.alive(), 'SIGHUP does not end the process');

    assert.equal((await open.command('RCPT TO:<carol@customer.test>')).code, 250);
    assert.equal((await open.command('DATA')).code, 354);
    const sent = await open.command(
      `From: ${SENDER}\r\nTo: carol@customer.test\r\nSubject: across a renewal\r\nMessage-ID: <renewal@example.org>\r\n\r\nsent while the certificate was replaced\r\n.`,
    );
    assert.equal(sent.code, 250, sent.text);
    assert.equal(open.peerCertificate()?.subject.CN, 'a.mail.test');
    await open.quit();
  });

  test('a broken renewal keeps the certificate in use and logs why', async () => {
    const before = await presentedName(served, 'implicit');
    const cases: Array<{ name: string; files: Pair; problem: RegExp }> = [
      {
        name: 'key of another pair',
        files: { cert: pairC.cert, key: pairA.key },
        problem: /does not belong/,
      },
      {
        name: 'half-written certificate',
        files: { cert: pairC.cert.slice(0, 300), key: pairC.key },
        problem: /certificate/,
      },
      { name: 'empty key', files: { cert: pairC.cert, key: '' }, problem: /key/ },
    ];
    let refusals = 0;
    for (const broken of cases) {
      install(broken.files);
      served.child.kill('SIGHUP');
      refusals += 1;
      await logged(served, '"tls certificate not reloaded: keeping the one in use"', refusals);
      const line = served
        .log()
        .split('\n')
        .filter((entry) => entry.includes('tls certificate not reloaded'))
        .at(-1);
      assert.match(String(line), broken.problem, broken.name);
      assert.match(String(line), /"level":"error"/);
      assert.equal(await presentedName(served, 'implicit'), before, broken.name);
    }
    const expired = await makePair('expired.mail.test', new Date(Date.now() - 86_400_000));
    install(expired);
    served.child.kill('SIGHUP');
    await logged(served, '"tls certificate not reloaded: keeping the one in use"', refusals + 1);
    assert.match(served.log(), /the certificate expired on/);
    assert.equal(await presentedName(served, 'starttls'), before);
  });

  test('a repeated SIGHUP with a good pair in place reloads it again, and a restart presents the same pair', async () => {
    install(pairC);
    // Signals of one kind that arrive together are delivered once: wait for each reload.
    served.child.kill('SIGHUP');
    await logged(served, '"tls certificate reloaded"', 2);
    served.child.kill('SIGHUP');
    await logged(served, '"tls certificate reloaded"', 3);
    assert.equal(await presentedName(served, 'implicit'), 'c.mail.test');
    assert.equal(await served.stop(), 0);
    await served.start();
    assert.equal(await presentedName(served, 'implicit'), 'c.mail.test');
    assert.equal(await presentedName(served, 'starttls'), 'c.mail.test');
  });
});

describe('SIGHUP re-reads the configuration file for what can change while running', () => {
  const temp = makeTempDir('mailwarden-reload-config-');
  const configFile = path.join(temp.dir, 'mailwarden.yaml');
  const certFile = path.join(temp.dir, 'cert.pem');
  const keyFile = path.join(temp.dir, 'key.pem');
  let served: ServedMailwarden;
  const writeConfig = (level: string, cert: string) =>
    writeFileSync(configFile, `log:\n  level: ${level}\ntls:\n  certFile: ${cert}\n  keyFile: ${keyFile}\n`);

  before(async () => {
    const pair = await makePair('config.mail.test');
    writeFileSync(keyFile, pair.key, { mode: 0o600 });
    writeFileSync(certFile, pair.cert);
    writeConfig('info', certFile);
    served = await prepareMailwarden({ env: { MAILWARDEN_CONFIG: configFile } });
    await served.start();
  });
  after(async () => {
    await served?.remove();
    temp.remove();
  });

  test('the log level and the certificate paths take effect on SIGHUP; a configuration with problems keeps the running one', async () => {
    assert.equal(await presentedName(served, 'implicit'), 'config.mail.test');
    // warn, and a certificate file that is not a certificate: the reload's info lines are not
    // written, its error is, and the pair in use stays.
    const notACertificate = path.join(temp.dir, 'not-a-certificate.pem');
    writeFileSync(notACertificate, 'renewal in progress\n');
    writeConfig('warn', notACertificate);
    served.child.kill('SIGHUP');
    await logged(served, '"tls certificate not reloaded: keeping the one in use"', 1);
    assert.doesNotMatch(served.log(), /"reloading on SIGHUP"/);
    assert.equal(await presentedName(served, 'implicit'), 'config.mail.test');

    // A file the configuration cannot use (it names a missing certificate): all of it is refused.
    writeConfig('info', path.join(temp.dir, 'missing.pem'));
    served.child.kill('SIGHUP');
    await logged(served, '"configuration not reloaded: keeping the one in use"', 1);
    assert.match(served.log(), /missing\.pem \(ENOENT\)/);
    await logged(served, '"tls certificate not reloaded: keeping the one in use"', 2);
    assert.doesNotMatch(served.log(), /"reloading on SIGHUP"/, 'the level stays warn');

    writeConfig('info', certFile);
    served.child.kill('SIGHUP');
    await logged(served, '"tls certificate reloaded"', 1);
    assert.match(served.log(), /"reloading on SIGHUP","logLevel":"info"/);
    assert.equal(await presentedName(served, 'starttls'), 'config.mail.test');
  });
});
