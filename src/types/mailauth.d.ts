/** The parts of mailauth (CommonJS, deep paths) that src/dnscheck uses and that ship without types. */
declare module 'mailauth/lib/tools.js' {
  export interface DkimPublicKey {
    publicKey: string;
    rr: string;
    /** RSA only; undefined for Ed25519. */
    modulusLength?: number;
  }
  export function getPublicKey(
    type: 'DKIM',
    name: string,
    minBitLength: number,
    resolver: (name: string, type: string) => Promise<unknown>,
  ): Promise<DkimPublicKey>;
  /** An RFC 6376 §3.2 tag=value list (DKIM, MTA-STS and TLS-RPT records). */
  export function parseTagValueRecord(text: string): {
    tags: Record<string, string | undefined>;
    errors: string[];
    isValid: boolean;
  };
}

declare module 'mailauth/lib/dmarc/get-dmarc-record.js' {
  export interface DmarcRecord {
    v?: string;
    p?: string;
    sp?: string;
    rua?: string;
    ruf?: string;
    pct?: number;
    rr: string;
    isOrgRecord: boolean;
    [tag: string]: unknown;
  }
  export default function getDmarcRecord(
    domain: string,
    resolver: (name: string, type: string) => Promise<unknown>,
  ): Promise<DmarcRecord | false>;
}
