/** The languages of what people read: catalogues, the reader's language, dates and numbers. */
export { type Formatter, formatter, isTimeZone } from './format.js';
export {
  chooseLocale,
  DEFAULT_LOCALE,
  isLocale,
  LOCALES,
  type Locale,
  preferredFromAcceptLanguage,
} from './locales.js';
export {
  inEnglish,
  items,
  type Message,
  type MessageArgs,
  type MessageList,
  type MessagePiece,
  type MessageValue,
  type MessageValues,
  type Moment,
  message,
  messageKeys,
  messagePieces,
  moment,
  type Percent,
  type Phrase,
  parts,
  percent,
  type WriteOptions,
  writeMessage,
} from './message.js';
export { catalogues, type MessageKey } from './messages/index.js';
export {
  type MessageParams,
  type PluralKey,
  type Translator,
  translator,
} from './translator.js';
