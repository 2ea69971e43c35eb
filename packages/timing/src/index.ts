export { type BackoffOptions, backoffDelay } from './backoff.js';
export { type PollOptions, pollUntil } from './poll.js';
export { pause, sleep } from './sleep.js';
