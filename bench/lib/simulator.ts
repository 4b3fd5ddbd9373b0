import { spawn, type ChildProcess } from 'node:child_process';
import { MemoryTokenCache, WecomClient } from '@scrm/wecom';

export interface SimulatorProcess {
  child: ChildProcess;
  /** The WECOM_* settings the simulator printed. */
  env: Record<string, string>;
  startupMs: number;
}

/** The simulator in its own process (its bin), so what is measured does not share its event loop. */
export function startSimulatorProcess(args: string[], nodeOptions: string[] = []): Promise<SimulatorProcess> {
  const started = performance.now();
  const bin = new URL('../../packages/wecom-sim/bin/scrm-wecom-sim.mjs', import.meta.url).pathname;
  const child = spawn(process.execPath, [...nodeOptions, bin, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('actions: POST')) {
        const env = Object.fromEntries(output.split('\n').filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=', 2)));
        resolve({ child, env, startupMs: performance.now() - started });
      }
    });
    child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
}

/** A WeCom client for the simulator that counts the calls it makes. */
export function countingClient(simulator: SimulatorProcess): { wecom: WecomClient; counter: { calls: number } } {
  const counter = { calls: 0 };
  const wecom = new WecomClient({
    corpId: simulator.env.WECOM_CORP_ID,
    secret: simulator.env.WECOM_SECRET,
    baseUrl: simulator.env.WECOM_API_BASE,
    tokenCache: new MemoryTokenCache(),
    fetch: (input, init) => {
      counter.calls++;
      return fetch(input, init);
    },
  });
  return { wecom, counter };
}

export const formatNumber = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
