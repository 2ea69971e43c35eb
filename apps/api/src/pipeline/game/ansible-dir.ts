import { repoPath } from '@guildserver/paths';

/** The repository's `ansible/` folder (ansible.cfg, playbooks/, roles/): what the worker runs and images hash. */
export const REPO_ANSIBLE_DIR = repoPath('ansible');
