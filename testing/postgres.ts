/**
 * Real PostgreSQL for tests: a throwaway server in a temporary directory, started with
 * Debian's binaries (as the `postgres` user when running as root), or the server named by
 * LLMPROF_TEST_DB_URL.
 */
import postgres from "postgres";

/** A running throwaway server. */
export interface PgServer {
  /** URL of the `postgres` database with the superuser's password. */
  url: string;
  port: number;
  stop(mode?: "fast" | "immediate"): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
  /** Stops the server and removes its files without awaiting, for process exit. */
  destroySync(): void;
}

/** The directory with initdb and pg_ctl, or null when PostgreSQL is not installed. */
export function pgBinDir(): string | null {
  try {
    const versions = [...Deno.readDirSync("/usr/lib/postgresql")].map((e) => e.name).sort((a, b) =>
      Number(b) - Number(a)
    );
    for (const version of versions) {
      const dir = `/usr/lib/postgresql/${version}/bin`;
      try {
        Deno.statSync(`${dir}/initdb`);
        return dir;
      } catch { /* next */ }
    }
  } catch { /* not installed */ }
  return null;
}

const isRoot = Deno.uid() === 0;

function command(program: string, args: string[]): Deno.Command {
  const [cmd, cmdArgs] = isRoot
    ? ["runuser", ["-u", "postgres", "--", program, ...args]]
    : [program, args];
  return new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" });
}

async function run(program: string, args: string[]): Promise<string> {
  const out = await command(program, args).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${program} ${args.join(" ")} failed: ${text}`);
  return text;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Password of the throwaway servers' superuser. */
export const PG_PASSWORD = "llmprof-test";

/** Starts a throwaway PostgreSQL on a free loopback port with password authentication. */
export async function startPostgres(): Promise<PgServer> {
  const bin = pgBinDir();
  if (bin === null) throw new Error("PostgreSQL is not installed: apt-get install -y postgresql");
  const dir = await Deno.makeTempDir({ prefix: "llmprof-pg-" });
  const data = `${dir}/data`;
  const pwfile = `${dir}/pw`;
  await Deno.writeTextFile(pwfile, PG_PASSWORD + "\n");
  if (isRoot) await new Deno.Command("chown", { args: ["-R", "postgres:postgres", dir] }).output();
  await run(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--pwfile",
    pwfile,
    "--auth=scram-sha-256",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  const port = freePort();
  const options =
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = async () => {
    await run(`${bin}/pg_ctl`, [
      "-D",
      data,
      "-o",
      options,
      "-l",
      `${dir}/log`,
      "-w",
      "-t",
      "30",
      "start",
    ]);
  };
  await start();
  return {
    url: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    start,
    async stop(mode = "fast") {
      await run(`${bin}/pg_ctl`, ["-D", data, "-m", mode, "-w", "stop"]);
    },
    async destroy() {
      await run(`${bin}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
    destroySync() {
      command(`${bin}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]).outputSync();
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    },
  };
}

let shared: Promise<string | null> | null = null;

/**
 * A server URL for tests: LLMPROF_TEST_DB_URL, else a throwaway server shared by this
 * test process, else null (PostgreSQL missing), said loudly.
 */
export function testPostgresUrl(): Promise<string | null> {
  shared ??= (async () => {
    const fromEnv = Deno.env.get("LLMPROF_TEST_DB_URL");
    if (fromEnv) return fromEnv;
    if (pgBinDir() === null) {
      if (Deno.env.get("CI")) {
        throw new Error("PostgreSQL is missing in CI: .ci/run must install postgresql.");
      }
      console.error(
        "\n!!! PostgreSQL is not installed: the Postgres store tests are SKIPPED. !!!\n!!! apt-get install -y postgresql, or set LLMPROF_TEST_DB_URL.           !!!\n",
      );
      return null;
    }
    const server = await startPostgres();
    globalThis.addEventListener("unload", () => server.destroySync());
    return server.url;
  })();
  return shared;
}

/** A fresh, empty database on the test server; returns its URL. */
export async function freshDatabase(serverUrl: string): Promise<string> {
  const name = `llmprof_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
