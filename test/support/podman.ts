import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';

/** The Dockerfile's base; where no registry is reachable, .ci/container-base.sh imports it. */
export const CONTAINER_BASE = 'docker.io/library/debian:trixie-slim';

/** The machine's trust store, offered to the image build as the `npm-ca` secret (see the Dockerfile). */
const HOST_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

export interface PodmanResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why the container tests cannot run here, or null: Podman and the base image must be present. */
export function missingPodman(): string | null {
  const version = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return 'podman (Debian package; .ci/run installs it)';
  const base = spawnSync('podman', ['image', 'exists', CONTAINER_BASE]);
  if (base.status !== 0)
    return `the base image ${CONTAINER_BASE} (.ci/container-base.sh builds and imports it)`;
  return null;
}

/** Runs podman and collects its output; never throws for a non-zero exit (the caller asserts). */
export function podman(args: readonly string[], options: { input?: string; timeoutMs?: number } = {}) {
  return new Promise<PodmanResult>((resolve, reject) => {
    const input = options.input;
    const child = spawn('podman', args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading all its input closes the pipe (EPIPE): its exit code and
    // output are what the caller asserts.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** Like podman(), but a non-zero exit is an error that quotes the command and what it printed. */
export async function podmanOk(
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
) {
  const result = await podman(args, options);
  if (result.code !== 0)
    throw new Error(`podman ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/**
 * `podman build` as docs/OPERATIONS.md "Container" shows it: the Docker format (which keeps the
 * HEALTHCHECK), never a pull (the base is local), the machine's CA bundle as the `npm-ca` secret (an
 * egress proxy that re-signs TLS is then trusted by npm inside the build).
 */
export function buildImage(context: string, tag: string): Promise<PodmanResult> {
  const secret = existsSync(HOST_CA_BUNDLE) ? ['--secret', `id=npm-ca,src=${HOST_CA_BUNDLE}`] : [];
  return podman(['build', '--format', 'docker', '--pull=never', ...secret, '-t', tag, context], {
    timeoutMs: 1_500_000,
  });
}

/** Any fixed time: what matters is that it is the same on every run. */
const FIXED_TIME = new Date('2020-01-01T00:00:00Z');

/**
 * Copies the build context (Dockerfile, .dockerignore and what its `!` lines let in) to `into`, every
 * file and folder with one fixed modification time. Podman's layer cache keys a COPY on the files'
 * times as well as their contents, so a fresh clone, or a checkout that rewrote package-lock.json
 * with the same bytes, would otherwise redo `npm ci` and SQLite's compile (minutes) on every run.
 */
export function stageBuildContext(repo: string, into: string): void {
  const allowed = readFileSync(path.join(repo, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('!'))
    .map((line) => line.slice(1).trim());
  for (const name of ['Dockerfile', '.dockerignore', ...allowed])
    cpSync(path.join(repo, name), path.join(into, name), { recursive: true });
  const touch = (file: string) => {
    if (statSync(file).isDirectory()) for (const entry of readdirSync(file)) touch(path.join(file, entry));
    utimesSync(file, FIXED_TIME, FIXED_TIME);
  };
  touch(into);
}

/** Polls `podman healthcheck run` (the image's HEALTHCHECK, run inside the container) until it passes. */
export async function waitHealthy(name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: PodmanResult | null = null;
  while (Date.now() < deadline) {
    last = await podman(['healthcheck', 'run', name]);
    if (last.code === 0) return;
    const state = await podman(['inspect', '--format', '{{.State.Status}}', name]);
    if (state.stdout.trim() !== 'running') {
      const logs = await podman(['logs', name]);
      throw new Error(`container ${name} is ${state.stdout.trim()}:\n${logs.stderr}${logs.stdout}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const logs = await podman(['logs', name]);
  throw new Error(
    `container ${name} never became healthy (last: ${last?.code} ${last?.stdout}${last?.stderr}):\n${logs.stderr}`,
  );
}

/** The host port Podman published for a container port (`-p 127.0.0.1::2587`). */
export async function publishedPort(name: string, containerPort: number): Promise<number> {
  const out = await podmanOk(['port', name, `${containerPort}/tcp`]);
  const port = Number(out.trim().split('\n')[0]?.split(':').pop());
  if (!Number.isInteger(port) || port <= 0) throw new Error(`no published port for ${containerPort}: ${out}`);
  return port;
}
