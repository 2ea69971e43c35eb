// YAML → JSON through Python's YAML library, the one Ansible and cloud-init themselves use.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function loadYaml(file: string): Promise<unknown> {
  const { stdout } = await run('/usr/bin/python3', [
    '-c',
    'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))',
    file,
  ]);
  return JSON.parse(stdout);
}
