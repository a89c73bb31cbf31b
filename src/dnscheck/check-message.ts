import { type Message, type MessageArgs, type MessageKey, message } from '../i18n/index.js';

/**
 * The keys the DNS checks write: their own area of the catalogue (src/i18n/messages/dnscheck.ts).
 * What a resolver or a record said (the TXT text, a library's parse error) stays a value inside the
 * sentence: it is data, written as it came.
 */
export type DnsCheckMessageKey = Extract<MessageKey, `dnscheck.${string}`>;

export function checkMessage<K extends DnsCheckMessageKey>(key: K, ...values: MessageArgs<K>): Message {
  return message(key, ...values);
}
