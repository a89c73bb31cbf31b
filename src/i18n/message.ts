import { type Formatter, formatter } from './format.js';
import type { catalogues, MessageKey } from './messages/index.js';
import { type MessageParams, type Translator, translator } from './translator.js';

/**
 * A sentence a module writes for people, as a catalogue key and the values it holds, so that each
 * reader gets it in their own language: the domain decides what to say, the adapter says it (the
 * console in the reader's language, the CLI and the API in English). Values stay values until then:
 * numbers and shares are written the reader's way, text (a domain name, a DNS record, a resolver's
 * error) is data and is never translated, and a value may be a sentence of its own.
 */
export interface Message {
  readonly key: MessageKey;
  readonly params?: Readonly<Record<string, MessageValue>>;
}

/**
 * A message whose values are only text and numbers, so it can be stored (in alert evidence) and
 * given through the API as it is, and written with a plain translator call as well as by the
 * message writers: what the respond module says (inbox-rule findings, playbook steps).
 */
export interface Phrase<K extends MessageKey = MessageKey> extends Message {
  readonly key: K;
  readonly params: MessageParams;
}

/** A share of a whole, 0–1, written as a percentage ("75.5%" / "75,5%"). */
export interface Percent {
  readonly percent: number;
}

/** A moment (ISO 8601), written in the reader's time zone and way ("7 dec 2026, 17:41 CET"). */
export interface Moment {
  readonly moment: string;
}

/** Sentences written one after the other: the parts of a finding ("; "), or the items of one (", "). */
export interface MessageList {
  readonly list: readonly Message[];
  readonly separator: '; ' | ', ';
}

export type MessageValue = string | number | Percent | Moment | Message | MessageList;

type English = typeof catalogues.en;
/** The `{name}` placeholders of a message's English text, as a union of names. */
type Placeholders<Text> = Text extends `${string}{${infer Name}}${infer Rest}`
  ? Name | Placeholders<Rest>
  : never;
/** The values a key's English text asks for: exactly its placeholders. */
export type MessageValues<K extends MessageKey> = {
  readonly [Name in Placeholders<English[K]>]: MessageValue;
};

/** What follows the key: nothing for a message without placeholders, else exactly their values. */
export type MessageArgs<K extends MessageKey> = [Placeholders<English[K]>] extends [never]
  ? []
  : [MessageValues<K>];

/**
 * A message whose key is in the catalogue and whose values fill exactly its placeholders (the
 * compiler refuses a missing or a misspelled one).
 */
export function message<K extends MessageKey>(key: K, ...params: MessageArgs<K>): Message {
  return params[0] ? { key, params: params[0] as Message['params'] } : { key };
}

export const percent = (ratio: number): Percent => ({ percent: ratio });
export const moment = (iso: string): Moment => ({ moment: iso });
export const parts = (list: readonly Message[]): MessageList => ({ list, separator: '; ' });
export const items = (list: readonly Message[]): MessageList => ({ list, separator: ', ' });

/**
 * How moments are written: the reader's way (pages), or as the ISO text itself (the CLI's and the
 * API's English, which scripts read).
 */
export interface WriteOptions {
  moments: 'reader' | 'iso';
}

/** One piece of a written message: words of the catalogue (and numbers), or a value that is data. */
export type MessagePiece = { text: string } | { data: string };

const shares = new Map<string, Intl.NumberFormat>();

/**
 * A share with one decimal, rounded down: 99.95% of users is not "100%" (a control that is not
 * complete must not read as complete).
 */
function shareIn(fmt: Formatter, ratio: number): string {
  const tag = fmt.locale === 'en' ? 'en-GB' : fmt.locale;
  let format = shares.get(tag);
  if (!format) {
    format = new Intl.NumberFormat(tag, { style: 'percent', maximumFractionDigits: 1 });
    shares.set(tag, format);
  }
  return format.format(Math.floor(ratio * 1000) / 1000);
}

function valuePieces(
  t: Translator,
  fmt: Formatter,
  value: MessageValue,
  options: WriteOptions,
): MessagePiece[] {
  if (typeof value === 'string') return [{ data: value }];
  if (typeof value === 'number') return [{ text: fmt.number(value) }];
  if ('key' in value) return messagePieces(t, fmt, value, options);
  if ('list' in value)
    return value.list.flatMap((part, index) => [
      ...(index === 0 ? [] : [{ text: value.separator }]),
      ...messagePieces(t, fmt, part, options),
    ]);
  if ('moment' in value)
    return [{ text: options.moments === 'iso' ? value.moment : fmt.moment(value.moment) }];
  return [{ text: shareIn(fmt, value.percent) }];
}

/**
 * A message in the reader's words, piece by piece, so that an adapter can mark the data (the console
 * marks it translate="no"); its values filled in, nested messages written the same way.
 */
export function messagePieces(
  t: Translator,
  fmt: Formatter,
  written: Message,
  options: WriteOptions = { moments: 'reader' },
): MessagePiece[] {
  // Without values the translator gives the text with its placeholders as they are.
  const template = t(written.key);
  const pieces: MessagePiece[] = [];
  template.split(/(\{\w+\})/).forEach((piece, index) => {
    if (index % 2 === 0) {
      if (piece) pieces.push({ text: piece });
      return;
    }
    const value = written.params?.[piece.slice(1, -1)];
    if (value === undefined) pieces.push({ text: piece });
    else pieces.push(...valuePieces(t, fmt, value, options));
  });
  return pieces;
}

/** A message as plain text in the reader's words. */
export function writeMessage(
  t: Translator,
  fmt: Formatter,
  written: Message,
  options: WriteOptions = { moments: 'reader' },
): string {
  return messagePieces(t, fmt, written, options)
    .map((piece) => ('text' in piece ? piece.text : piece.data))
    .join('');
}

/** A message in English, the language of the CLI, the API and the logs; moments as ISO text. */
export function inEnglish(written: Message): string {
  return writeMessage(translator('en'), formatter('en'), written, { moments: 'iso' });
}

/** Every key a message uses, its nested messages' too. */
export function messageKeys(written: Message): MessageKey[] {
  const nested = Object.values(written.params ?? {}).flatMap((value): MessageKey[] => {
    if (typeof value !== 'object') return [];
    if ('key' in value) return messageKeys(value);
    return 'list' in value ? value.list.flatMap(messageKeys) : [];
  });
  return [written.key, ...nested];
}
