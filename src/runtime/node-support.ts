/**
 * The Node.js versions Mailwarden runs on: ">=20 <24 || >=24.22.0". 20, 22 and 24 are tested (scripts/test-node-versions.mjs runs the core of the suite on 22 and 24).
 *
 * On the 24 line only 24.22.0 and later. Node 24.19.0 gave every node::ObjectWrap (better-sqlite3
 * 12's Statement and Database are ObjectWraps) a cleanup hook of its own (nodejs/node#63642, the
 * hook compiled into the addon from node_object_wrap.h) but not the registry that lets its
 * destructor remove the hook when no JavaScript context is entered (#63985, in 24.22.0). A statement
 * the garbage collector frees from one of V8's own tasks then aborts the process: SIGABRT,
 * `Assertion failed: (env) != nullptr` in node::RemoveEnvironmentCleanupHook, from
 * Statement::~Statement. When depends on the heap: one better-sqlite3 12.11.1 binary (compiled with
 * 24.22.3's headers), a script that prepares statements and exits, 20 runs each: 24.21.0 aborted 5
 * times, 24.18.1 15 times (its own headers have no hook, but a binary built for any later 24 has),
 * 24.22.3 never. Our code cannot avoid it (any statement may be collected), so those versions are
 * left out: `serve` warns and `mailwarden doctor` reports them. package.json's engines stays ">=20"
 * (the project's stated floor, which npm checks at install); the exception inside the 24 line is
 * checked here at run time, where the reason can be given.
 */

/** The supported range; package.json's engines names only its floor (">=20"). */
export const SUPPORTED_NODE = '>=20 <24 || >=24.22.0';

/** Why this Node.js is not supported, or null when it is. */
export function unsupportedNodeReason(version: string = process.versions.node): string | null {
  const [major = 0, minor = 0] = version
    .replace(/^v/, '')
    .split('.')
    .map((part) => Number.parseInt(part, 10));
  if (major < 20) return `Node.js ${version} is older than 20, the oldest Mailwarden runs on`;
  if (major === 24 && minor < 22)
    return `Node.js ${version} can abort with better-sqlite3 (Assertion failed: (env) != nullptr); Node 24 needs 24.22.0 or later`;
  return null;
}
