import { type Message, type MessageArgs, type MessageKey, message } from '../i18n/index.js';

/**
 * The keys the score module writes: its own area of the catalogue (src/i18n/messages/score.ts). A
 * finding is a key and its values, never an English sentence: the console writes it in the reader's
 * language, the CLI and the API in English (`inEnglish`).
 */
export type ScoreMessageKey = Extract<MessageKey, `score.${string}`>;

export function finding<K extends ScoreMessageKey>(key: K, ...values: MessageArgs<K>): Message {
  return message(key, ...values);
}

/** A source that could not be read because it threw: its error stays as data. */
export function errorReason(error: unknown): Message {
  return finding('score.reason.error', { error: (error as Error)?.message ?? String(error) });
}
