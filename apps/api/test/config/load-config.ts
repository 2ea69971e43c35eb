// The API's configuration as an admin's environment gives it: a cluster's four required variables, and the
// variables a test is about.
import { loadApiConfig } from '../../src/config.js';

const cluster = {
  PROXMOX_HOST: 'https://pve.example.net:8006',
  PROXMOX_NODE: 'pve',
  PROXMOX_TOKEN_ID: 'root@pam!guildserver',
  PROXMOX_TOKEN_SECRET: '5f0c1e2a-9d7b-4c3e-8a61-2b4f6d8e0c11',
};

export const load = (env: Record<string, string>) => loadApiConfig({ ...cluster, ...env });
