// The openttd playbook, run for real against a Debian bookworm target (see test/support/real-run-suite.ts).
import { realRunSuite } from './support/real-run-suite';

realRunSuite('openttd', { maxPlayers: 10, seal: true });
