// The durable state file.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BotState } from '../../src/state/bot-state.js';
import { tracked } from './fixtures.js';

const dirs: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bot-state-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('bot state file', () => {
  it('starts empty, survives a reload, and only moves the cursor forward', async () => {
    const path = join(temp(), 'nested', 'state.json');
    const state = BotState.load(path);
    expect(state.cursor).toBeNull();
    state.setCursor(5);
    state.setCursor(3);
    const { expired: _, ...entry } = tracked();
    state.track(entry);
    await state.flush();
    const again = BotState.load(path);
    expect(again.cursor).toBe(5);
    expect(again.tracked('job_1')).toMatchObject({ token: 'tok', expired: false, origin: 'command' });
    again.markExpired('job_1');
    again.untrack('job_1');
    await again.flush();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      version: 1,
      cursor: 5,
      tracked: {},
      deleted: {},
    });
  });
  it('forgets day-old entries', () => {
    const state = BotState.load(join(temp(), 's.json'));
    const { expired: _, ...entry } = tracked({ receivedAt: 0 });
    state.track(entry);
    state.prune(25 * 60 * 60_000);
    expect(state.tracked('job_1')).toBeUndefined();
  });
  it('refuses a corrupt file rather than resetting the cursor', () => {
    const path = join(temp(), 's.json');
    writeFileSync(path, '{"version":1,"cursor":');
    expect(() => BotState.load(path)).toThrow(/not JSON/);
    writeFileSync(path, '{"version":2}');
    expect(() => BotState.load(path)).toThrow(/not a state this bot wrote/);
  });
});
