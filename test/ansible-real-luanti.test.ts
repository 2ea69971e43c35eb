// The luanti playbook, run for real against a Debian bookworm target (see test/support/real-run-suite.ts).
import { realRunSuite } from './support/real-run-suite';

realRunSuite('luanti', { maxPlayers: 10 });
