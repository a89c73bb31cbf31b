/** Where accepted mail goes: the upstream relay or the local spool. The gateway answers 250 only after ok. */
export interface OutboundMessage {
  /** Envelope sender; '' for a bounce (null reverse-path, RFC 5321 §4.5.5). */
  from: string;
  to: readonly string[];
  raw: Buffer;
}

export type DeliveryOutcome =
  | { ok: true; detail: string; refusedRecipients: readonly RefusedRecipient[] }
  | { ok: false; kind: 'temporary' | 'permanent'; responseCode: number | null; message: string };

export interface RefusedRecipient {
  address: string;
  response: string;
}

export interface Delivery {
  /** smtp://host:port, or spool:/path — for health and logs, never with a password. */
  describe(): string;
  deliver(message: OutboundMessage): Promise<DeliveryOutcome>;
  /** Whether the destination is reachable now (relay: an SMTP handshake; spool: the folder is writable). */
  check(): Promise<{ ok: true } | { ok: false; message: string }>;
  close(): Promise<void>;
}
