import { join } from 'node:path';

/** The repository's `ansible/` folder (ansible.cfg, playbooks/, roles/): what the worker runs and images hash. */
export const REPO_ANSIBLE_DIR = join(import.meta.dirname, '..', '..', '..', '..', '..', 'ansible');
