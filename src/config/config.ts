/** The validated, frozen configuration every module receives (never read from process.env elsewhere). */
export interface Config {
  listen: string;
  /** `auto` or a whole number 1–64 (checked by loadConfig); see workerCount. */
  workers: string;
  data: { dir: string };
  database: { url: string | null; poolSize: number };
  smtp: {
    enabled: boolean;
    port: number;
    hostname: string;
    maxMessageBytes: number;
    maxRecipients: number;
    requireTls: boolean;
    maxClients: number;
    socketTimeoutMs: number;
    greetingDelayMs: number;
  };
  smtps: { enabled: boolean; port: number };
  tls: { certFile: string | null; keyFile: string | null };
  http: { enabled: boolean; port: number };
  relay: { url: string | null; poolSize: number; timeoutMs: number; rejectUnauthorized: boolean };
  secrets: { key: string | null };
  policy: { port: number; enabled: boolean; onError: 'defer' | 'dunno' };
  milter: { listen: string | null };
  spam: { rspamdUrl: string | null; rspamdTimeoutMs: number };
  dns: { servers: string[]; timeoutMs: number; tries: number };
  proxy: { trustedAddresses: string[] };
  notify: { webhooks: { allowInternalHosts: string[] }; emailFrom: string | null };
  score: {
    dnsConcurrency: number;
    dkimSelectors: string[];
    mtaStsPort: number;
    mtaStsCaFile: string | null;
    dailySnapshot: boolean;
  };
  geoip: { file: string | null };
  log: { level: 'debug' | 'info' | 'warn' | 'error' };
  shutdown: { graceMs: number };
  audit: {
    retentionDays: number;
    anchoring: boolean;
    anchorFile: string | null;
    anchorKeyFile: string | null;
    anchorIntervalSeconds: number;
    anchorSyslog: boolean;
    anchorWebhookUrl: string | null;
  };
  dovecot: {
    authSecret: string | null;
    eventsSecret: string | null;
    trashFolders: string[];
    doveadmUrl: string | null;
    doveadmApiKey: string | null;
  };
  /** The periodic sync from another mail server (`mailwarden import … --sync` on a timer). */
  import: { source: string | null; intervalMinutes: number; defaultScheme: string | null };
  web: {
    enabled: boolean;
    publicUrl: string | null;
    secureCookies: 'always' | 'never';
    sessionIdleMinutes: number;
    sessionMaxHours: number;
  };
}
