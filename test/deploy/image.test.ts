/**
 * The container image (deploy/docker/Dockerfile). No Docker daemon or image registry is reachable
 * here, and building the image for real (deploy/docker/build-offline.sh: buildah on base images made
 * from Debian's packages and the npm registry's Node) takes about 10 minutes, too long for every
 * run; so this test does not build it. What this proves: the Dockerfile parses (dockerfile-ast, the parser
 * of the Docker language server) into the stages the design asks for (compile with dev dependencies;
 * production dependencies alone, installed with `npm ci --omit=dev`; a runtime stage that copies only
 * those two), the runtime stage runs `node dist/cli/kad.js serve` under tini as a numeric non-root
 * user, with KAD_STATE_DIR a declared volume, OCI labels and a HEALTHCHECK on /healthz; every path
 * it copies exists and is not excluded by its .dockerignore. Then the runtime stage's /app is assembled
 * here as its COPY lines say (production dependencies from `npm ci --omit=dev` with the deps stage's
 * clean-up and better-sqlite3's native module as built here, dist/ from tsc,
 * package.json) and its ENTRYPOINT + CMD run there with its ENV, as its USER when the tests run as
 * root (Debian's tini; Node from this machine): kad serves (the dashboard too), the HEALTHCHECK command taken from the
 * Dockerfile passes, SIGTERM to tini stops node with status 0. What it does not prove: that the base
 * images pull, the image's size (build-offline.sh prints it), a read-only root filesystem.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { exited, ROOT, waitFor } from '../helpers.js';
import { freePort, REQUIRE_INTEGRATION, tempDir } from '../integration.js';

const DOCKERFILE = join(ROOT, 'deploy/docker/Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');
const dockerfile = DockerfileParser.parse(text);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; license: string };

/** The instructions of each stage, by stage name. */
function stages(): Map<string, Instruction[]> {
  const out = new Map<string, Instruction[]>();
  let current: Instruction[] | undefined;
  for (const i of dockerfile.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      current = [];
      out.set(dockerfile.getFROMs().find((f) => f.getRange().start.line === i.getRange().start.line)!.getBuildStage() ?? '', current);
    } else current?.push(i);
  }
  return out;
}
/** The words after the keyword, flags (`--from=…`) included, from the instruction's own line. */
const args = (i: Instruction) => text.split('\n')[i.getRange().start.line].trim().split(/\s+/).slice(1);
const json = (i: Instruction) => JSON.parse(i.getArgumentsContent()!.replace(/^CMD\s+/, '')) as string[];
const find = (list: Instruction[], kw: string) => list.filter((i) => i.getKeyword() === kw);

describe('deploy/docker/Dockerfile', () => {
  const st = stages();
  const runtime = st.get('runtime')!;

  it('has three stages: build (dev deps + tsc), deps (production deps only), runtime (copies from those two)', () => {
    expect([...st.keys()]).toEqual(['build', 'deps', 'runtime']);
    expect(find(st.get('build')!, 'RUN').map((i) => i.getArgumentsContent()).join('\n')).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(find(st.get('deps')!, 'RUN')[0].getArgumentsContent()).toMatch(/npm ci --omit=dev/);
    const copies = find(runtime, 'COPY').map((i) => args(i));
    expect(copies).toContainEqual(['--from=deps', '/src/node_modules', './node_modules']);
    expect(copies).toContainEqual(['--from=build', '/src/dist', './dist']);
    expect(copies.filter((c) => c[0].startsWith('--from=build')).map((c) => c[1]), 'no dev node_modules from the build stage').toEqual(['/src/dist']);
  });

  it('runs node directly under tini, as a numeric non-root user, state in the KAD_STATE_DIR volume', () => {
    const entry = json(find(runtime, 'ENTRYPOINT')[0]);
    expect(entry).toEqual(['/usr/bin/tini', '--', 'node', 'dist/cli/kad.js']);
    expect(json(find(runtime, 'CMD')[0])).toEqual(['serve']);
    expect(text).not.toMatch(/npm (start|run)/);
    const user = args(find(runtime, 'USER').at(-1)!)[0];
    expect(user).toMatch(/^[1-9][0-9]*:[1-9][0-9]*$/);
    const env = find(runtime, 'ENV').map((i) => i.getArgumentsContent()).join(' ');
    const stateDir = /KAD_STATE_DIR=(\S+)/.exec(env)![1];
    expect(JSON.parse(find(runtime, 'VOLUME')[0].getArgumentsContent()!)).toEqual([stateDir]);
    expect(find(runtime, 'RUN').map((i) => i.getArgumentsContent()).join(' '), 'the volume is owned by the user').toContain(`chown ${user} ${stateDir}`);
    expect(find(runtime, 'EXPOSE').map((i) => args(i)[0])).toEqual(['8080']);
  });

  it('carries OCI labels (source, version = package.json, licence = package.json) and a HEALTHCHECK on /healthz', () => {
    const labels = find(runtime, 'LABEL').map((i) => i.getArgumentsContent()).join(' ');
    expect(labels).toMatch(/org\.opencontainers\.image\.source="https:\/\//);
    expect(labels).toContain('org.opencontainers.image.version="${VERSION}"');
    expect(labels).toContain(`org.opencontainers.image.licenses="${pkg.license}"`);
    expect(find(runtime, 'ARG').map((i) => i.getArgumentsContent())).toContain(`VERSION=${pkg.version}`);
    expect(find(runtime, 'HEALTHCHECK')[0].getArgumentsContent()).toContain('/healthz');
  });

  it('copies only paths that exist and that its .dockerignore lets through', () => {
    const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    for (const [name, list] of st) {
      for (const c of find(list, 'COPY')) {
        const a = args(c);
        if (a[0].startsWith('--from=')) continue;
        for (const src of a.slice(0, -1)) {
          expect(existsSync(join(ROOT, src)), `${name}: COPY ${src}`).toBe(true);
          expect(allowed, `${name}: COPY ${src} is in the build context`).toContain(src.replace(/\/$/, ''));
        }
      }
    }
  });
});

const TINI = '/usr/bin/tini';
const haveTini = existsSync(TINI);
describe.skipIf(!haveTini && !REQUIRE_INTEGRATION)('the runtime stage, assembled here as the Dockerfile says, runs', () => {
  it('production dependencies + dist/ + package.json + web/: tini starts kad serve as user 1000, the HEALTHCHECK passes, the dashboard loads, SIGTERM stops it', async () => {
    expect(haveTini, `${TINI} (apt-get install tini)`).toBe(true);
    // /app as the runtime stage builds it: the deps stage's node_modules (npm ci --omit=dev), the build
    // stage's dist/ (tsc -p tsconfig.build.json), package.json.
    const app = tempDir('image-app');
    const runtime = stages().get('runtime')!;
    for (const c of find(runtime, 'COPY').map(args)) {
      if (c[0] === '--from=deps') {
        copyFileSync(join(ROOT, 'package.json'), join(app, 'package.json'));
        copyFileSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
        execFileSync('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: app, stdio: 'pipe' });
        rmSync(join(app, 'package-lock.json'));
        // `npm rebuild better-sqlite3` stands in as the native module npm ci built here (compiling it again takes ~75 s).
        cpSync(join(ROOT, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'), join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'));
        // The deps stage's clean-up, as its RUN line says (a bare shell `find` and `rm`).
        const clean = /&& (find node_modules [^\n]*-delete) \\\n && (cd node_modules\/better-sqlite3 && rm -rf [^\n]*)\n/.exec(text);
        expect(clean, 'the deps stage removes source maps, declarations and better-sqlite3\'s build leftovers').not.toBeNull();
        execFileSync('sh', ['-c', `${clean![1]} && ${clean![2]}`], { cwd: app, stdio: 'pipe' });
      } else if (c[0] === '--from=build') {
        execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')], { stdio: 'pipe' });
      } else if (c[0] === 'web') {
        expect(c).toEqual(['web', './web']);
        cpSync(join(ROOT, 'web'), join(app, 'web'), { recursive: true });
      } else {
        expect(c).toEqual(['package.json', './']);
      }
    }
    chmodSync(app, 0o755);
    const state = tempDir('image-state');
    const port = await freePort();
    const env: Record<string, string> = { PATH: process.env.PATH!, HOME: '/tmp' };
    for (const e of find(runtime, 'ENV').map((i) => i.getArgumentsContent()!)) {
      for (const [, k, v] of e.matchAll(/(\w+)=(\S+)/g)) env[k] = v;
    }
    Object.assign(env, { PORT: String(port), KAD_HOST: '127.0.0.1', KAD_STATE_DIR: state, KAD_LOG_LEVEL: 'warn' });
    // As root here: run as the image's user, who cannot write to /app (the image's root filesystem is read-only).
    const [uid, gid] = args(find(runtime, 'USER').at(-1)!)[0].split(':').map(Number);
    const asUser = process.getuid?.() === 0;
    if (asUser) chownSync(state, uid, gid);
    const cmd = [...json(find(runtime, 'ENTRYPOINT')[0]), ...json(find(runtime, 'CMD')[0])];
    const child = spawn(cmd[0], cmd.slice(1), { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], ...(asUser ? { uid, gid } : {}) });
    let out = '';
    child.stdout!.on('data', (b) => (out += b));
    child.stderr!.on('data', (b) => (out += b));
    try {
      await waitFor(() => (/serving on/.test(out) ? true : undefined), 60_000, `kad serve under tini: ${out}`);
      const hc = JSON.parse(/HEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/.exec(text)![1]) as string[];
      expect(hc[0]).toBe('node');
      execFileSync(process.execPath, hc.slice(1), { env, timeout: 10_000 }); // throws unless it exits 0
      // The event store's native module loads from the production node_modules, after the clean-up.
      execFileSync(process.execPath, ['-e', "require('better-sqlite3')(':memory:').prepare('select 1').get()"], { cwd: app, env, timeout: 10_000 });
      // The dashboard and its chart library (from the production node_modules) are in the image.
      const page = await fetch(`http://127.0.0.1:${port}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('/ui/app.js');
      expect((await fetch(`http://127.0.0.1:${port}/ui/vendor/uPlot.esm.js`)).status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 180_000);
});
