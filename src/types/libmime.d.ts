declare module 'libmime' {
  /** RFC 2047 encoded-words to a Unicode string. */
  export function decodeWords(text: string): string;
  const libmime: { decodeWords(text: string): string };
  export default libmime;
}
