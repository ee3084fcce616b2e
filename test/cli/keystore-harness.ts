/**
 * What the keystore tests share: a production Hardhat keystore made with
 * `npx hardhat keystore set` answering its prompts (XDG_CONFIG_HOME in a
 * temp dir), and a `hardhat node` with a chain id of its own, started apart
 * and reached only through the named network `obolTest` of
 * test/fixtures/keystore/hardhat.config.ts. Hardhat never reads the keystore
 * when CI is set, so every child runs without it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { ROOT } from "./harness.js";

export const PASSWORD = "correct horse battery";
const HARDHAT = join(ROOT, "node_modules/hardhat/dist/src/cli.js");

/** The environment of every child: the keystore under `dir`, the fixture config, its network's URL `rpcUrl`. */
export function keystoreEnv(dir: string, rpcUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: join(dir, "config"),
    OBOL_HARDHAT_CONFIG: join(ROOT, "test/fixtures/keystore/hardhat.config.ts"),
    OBOL_TEST_RPC_URL: rpcUrl,
    NODE_OPTIONS: "--disable-warning=ExperimentalWarning",
    OBOL_LOG_LEVEL: "warn",
  };
  for (const name of ["CI", "OBOL_KEY", "OBOL_TEST_DEPLOYER", "OBOL_TEST_OPERATOR", "HH_TEST"]) delete env[name];
  return env;
}

export type Run = { code: number | null; stdout: string; stderr: string };
type Answer = { line: string; last?: boolean };

/** Runs a process; `answer` gets the output since the last prompt answered and returns a line to type (`last`: then stdin ends). */
export function runProcess(
  env: NodeJS.ProcessEnv,
  args: string[],
  { stdin, answer }: { stdin?: string; answer?: (seen: string) => Answer | undefined },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let answered = 0;
    const onOutput = () => {
      if (!answer) return;
      const reply = answer(
        `${stdout}${stderr}`
          .split("[hardhat-keystore]")
          .slice(answered + 1)
          .join(""),
      );
      if (reply === undefined) return;
      answered++;
      if (reply.last) child.stdin.end(`${reply.line}\n`);
      else child.stdin.write(`${reply.line}\n`);
    };
    child.stdout.on("data", (c) => {
      stdout += String(c);
      onOutput();
    });
    child.stderr.on("data", (c) => {
      stderr += String(c);
      onOutput();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin.end(stdin);
  });
}

/**
 * `npx hardhat keystore set NAME`, typing the password (twice the first time) and the value at their prompts.
 *
 * @throws when Hardhat does not confirm the key was set.
 */
export async function keystoreSet(env: NodeJS.ProcessEnv, name: string, value: string): Promise<void> {
  const answers = (prompt: string) => {
    // One prompt per "[hardhat-keystore]" marker; answer the newest one once it is complete.
    if (/Enter the password: $|confirm your password: $/.test(prompt)) return { line: PASSWORD };
    if (/Enter secret to store.*: $/.test(prompt)) return { line: value, last: true };
    return undefined;
  };
  const run = await runProcess(env, [HARDHAT, "keystore", "set", name], { answer: answers });
  if (!run.stdout.includes(`Key "${name}" set in the production keystore`))
    throw new Error(`hardhat keystore set ${name} failed:\n${run.stdout}\n${run.stderr}`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** eth_chainId over a one-off connection (no keep-alive pool shared with viem's fetch); null while unreachable. */
function chainIdOf(url: string): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request(
      url,
      { method: "POST", agent: false, headers: { "content-type": "application/json" }, timeout: 2_000 },
      (res) => {
        let body = "";
        res.on("data", (c) => {
          body += String(c);
        });
        res.on("end", () => {
          try {
            resolve(Number((JSON.parse(body) as { result: string }).result));
          } catch {
            resolve(null);
          }
        });
      },
    );
    req.on("error", () => resolve(null));
    req.on("timeout", () => {
      req.destroy();
      resolve(null);
    });
    req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }));
  });
}

/**
 * `npx hardhat node --chain-id <chainId>` on 127.0.0.1 and a free port, as its own process.
 *
 * @param wait also wait (polling, 2 minutes at most) until it answers with that chain id.
 */
export async function startHardhatNode(
  chainId: number,
  { wait = true }: { wait?: boolean } = {},
): Promise<{ rpcUrl: string; child: ChildProcess }> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const args = [HARDHAT, "node", "--hostname", "127.0.0.1", "--port", String(port), "--chain-id", String(chainId)];
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: "ignore" });
  const deadline = Date.now() + 120_000;
  while (wait && (await chainIdOf(rpcUrl)) !== chainId) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill("SIGTERM");
      throw new Error(`hardhat node did not answer with chain id ${chainId}`);
    }
    await sleep(500);
  }
  return { rpcUrl, child };
}
