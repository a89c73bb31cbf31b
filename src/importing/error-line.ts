/** A source's error (a database driver's, a file's) as one line, without the URL's password (drivers do not print it). */
export function describe(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  return message.split('\n')[0] ?? message;
}
