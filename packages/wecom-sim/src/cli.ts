// `scrm-wecom-sim --port 4100 --callback URL --seed 42`: runs the simulator on its own and prints the
// credentials to configure the SCRM server with (WECOM_API_BASE, WECOM_CORP_ID, WECOM_SECRET, …).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SimulatorSnapshot } from './model.ts';
import { createWecomSimulator } from './simulator.ts';

const USAGE = `Usage: scrm-wecom-sim [options]
  --port N            port to listen on (default 4100)
  --host HOST         address to bind (default 127.0.0.1)
  --callback URL      where to POST callbacks (e.g. http://127.0.0.1:3000/scrm/wx/portal)
  --seed S            demo corp seed (default scrm-demo)
  --employees N       demo corp size (default 30)
  --customers N       demo corp size (default 1000)
  --groups N          demo corp size (default 40)
  --state FILE        load the corp from FILE if it exists; save it there on exit
  --token T           callback Token (default derived from the seed)
  --aes-key K         callback EncodingAESKey, 43 characters (default derived from the seed)
  --help`;

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`--${name} must be a non-negative integer`);
  return number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4100' },
      host: { type: 'string', default: '127.0.0.1' },
      callback: { type: 'string' },
      seed: { type: 'string', default: 'scrm-demo' },
      employees: { type: 'string' },
      customers: { type: 'string' },
      groups: { type: 'string' },
      state: { type: 'string' },
      token: { type: 'string' },
      'aes-key': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const snapshot = values.state && existsSync(values.state) ? (JSON.parse(readFileSync(values.state, 'utf8')) as SimulatorSnapshot) : undefined;
  const sim = createWecomSimulator({
    seed: values.seed,
    snapshot,
    sizes: {
      employees: positiveInteger(values.employees, 'employees'),
      customers: positiveInteger(values.customers, 'customers'),
      groups: positiveInteger(values.groups, 'groups'),
    },
    callback: { url: values.callback, token: values.token, encodingAesKey: values['aes-key'] },
  });
  const baseUrl = await sim.listen(positiveInteger(values.port, 'port'), values.host);
  const credentials = sim.credentials();
  console.log(`WeCom simulator listening on ${baseUrl}${snapshot ? ` (state loaded from ${values.state})` : ''}`);
  console.log(`WECOM_API_BASE=${baseUrl}`);
  console.log(`WECOM_CORP_ID=${credentials.corpId}`);
  console.log(`WECOM_SECRET=${credentials.secret}`);
  console.log(`WECOM_AGENT_ID=${credentials.agentId}`);
  console.log(`WECOM_TOKEN=${credentials.token}`);
  console.log(`WECOM_AES_KEY=${credentials.encodingAesKey}`);
  console.log(`contact-sync secret: ${credentials.contactSyncSecret}`);
  console.log(`callback URL: ${credentials.callbackUrl ?? '(none; set it with POST /sim/callback {"url": …})'}`);
  console.log(`actions: POST ${baseUrl}/sim/<action> (see GET ${baseUrl}/sim/summary)`);

  const stop = async () => {
    await sim.flushDeliveries();
    if (values.state) writeFileSync(values.state, JSON.stringify(sim.toJSON()));
    await sim.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error((error as Error).message);
  console.error(USAGE);
  process.exit(1);
});
