// Discord snowflakes: milliseconds since 2015-01-01 shifted left 22 bits, plus worker/process/increment bits.
// Taken from the fake clock, so ids and timestamps agree; today they are 19 digits long.
import type { FakeClock } from './clock.js';

export const DISCORD_EPOCH = 1_420_070_400_000n;
const SNOWFLAKE = /^\d{17,19}$/;

export function isSnowflake(value: string): boolean {
  return SNOWFLAKE.test(value);
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

export class SnowflakeGenerator {
  private increment = 0n;
  private last = 0n;

  constructor(private readonly clock: FakeClock) {}

  next(): string {
    const ms = BigInt(Math.max(Math.floor(this.clock.now()), Number(DISCORD_EPOCH)));
    let id = ((ms - DISCORD_EPOCH) << 22n) | (1n << 17n) | (this.increment++ & 0xfffn);
    if (id <= this.last) id = this.last + 1n;
    this.last = id;
    return id.toString();
  }
}
