import { describe, expect, it } from 'vitest';
import { checkPruneOptions, type PruneCandidate, type PruneOptions, pruneMarks } from '../src/retention';

/** Local time, as PVE's prune periods are (hours kept away from DST switches). */
const at = (year: number, month: number, day: number, hour = 12, minute = 0) =>
  new Date(year, month - 1, day, hour, minute).getTime() / 1000;

function backup(vmid: number, ctime: number, extra: Partial<PruneCandidate> = {}): PruneCandidate {
  return { volid: `local:backup/${vmid}-${ctime}`, ctime, type: 'qemu', vmid, standardName: true, ...extra };
}

const marks = (candidates: PruneCandidate[], keep: PruneOptions) =>
  pruneMarks(candidates, keep).map((e) => e.mark);

describe('prune selection (PVE::Storage::prune_mark_backup_group)', () => {
  const days = [at(2025, 3, 10), at(2025, 3, 11), at(2025, 3, 12), at(2025, 3, 13)];

  it('keep-last keeps the N newest, whatever order the list is in', () => {
    expect(
      marks(
        days.map((t) => backup(100, t)),
        { 'keep-last': 2 },
      ),
    ).toEqual(['remove', 'remove', 'keep', 'keep']);
  });

  it('keep-daily keeps the newest backup of each of the N newest days', () => {
    const list = [
      backup(100, at(2025, 3, 12, 8)),
      backup(100, at(2025, 3, 12, 20)),
      backup(100, at(2025, 3, 13, 9)),
      backup(100, at(2025, 3, 13, 21)),
      backup(100, at(2025, 3, 11, 10)),
    ];
    expect(marks(list, { 'keep-daily': 2 })).toEqual(['remove', 'keep', 'remove', 'keep', 'remove']);
  });

  it('a period rule skips periods already covered by an earlier rule', () => {
    const list = [
      backup(100, at(2025, 3, 13, 21)),
      backup(100, at(2025, 3, 13, 9)),
      backup(100, at(2025, 3, 12, 9)),
      backup(100, at(2025, 3, 11, 9)),
      backup(100, at(2025, 3, 10, 9)),
    ];
    // keep-last takes the 13th 21:00; keep-daily=2 then covers the 12th and 11th (the 13th is covered).
    expect(marks(list, { 'keep-last': 1, 'keep-daily': 2 })).toEqual([
      'keep',
      'remove',
      'keep',
      'keep',
      'remove',
    ]);
  });

  it('keep-weekly uses ISO weeks (Dec 30 2024 and Jan 2 2025 are one week)', () => {
    const list = [backup(100, at(2024, 12, 30)), backup(100, at(2025, 1, 2)), backup(100, at(2024, 12, 27))];
    expect(marks(list, { 'keep-weekly': 2 })).toEqual(['remove', 'keep', 'keep']);
  });

  it('keep-monthly and keep-yearly', () => {
    const list = [
      backup(100, at(2025, 2, 1)),
      backup(100, at(2025, 2, 20)),
      backup(100, at(2025, 1, 5)),
      backup(100, at(2024, 6, 1)),
      backup(100, at(2023, 6, 1)),
    ];
    expect(marks(list, { 'keep-monthly': 2, 'keep-yearly': 1 })).toEqual([
      'remove',
      'keep',
      'keep',
      'keep',
      'remove',
    ]);
  });

  it('protected backups are always kept and do not count towards a rule', () => {
    const list = [
      backup(100, days[3]!, { protected: true }),
      backup(100, days[2]!),
      backup(100, days[1]!),
      backup(100, days[0]!, { protected: true }),
    ];
    expect(marks(list, { 'keep-last': 1 })).toEqual(['protected', 'keep', 'remove', 'protected']);
  });

  it('groups per guest and type; renamed archives are never pruned', () => {
    const list = [
      backup(100, days[0]!),
      backup(100, days[1]!),
      backup(101, days[0]!),
      backup(101, days[1]!),
      backup(101, days[2]!, { standardName: false, volid: 'local:backup/my-copy.vma.zst' }),
      backup(100, days[2]!, { type: 'lxc' }),
    ];
    expect(marks(list, { 'keep-last': 1 })).toEqual(['remove', 'keep', 'remove', 'keep', 'renamed', 'keep']);
  });

  it('keep-all, or no positive option, keeps everything but leaves protected marked protected', () => {
    const list = [backup(100, days[0]!), backup(100, days[1]!, { protected: true })];
    expect(marks(list, { 'keep-all': true })).toEqual(['keep', 'protected']);
    expect(marks(list, { 'keep-last': 0 })).toEqual(['keep', 'protected']);
  });

  it('returns PVE fields: volid, ctime, type, vmid, mark', () => {
    expect(pruneMarks([backup(100, days[0]!)], { 'keep-last': 1 })).toEqual([
      { volid: `local:backup/100-${days[0]}`, ctime: days[0], type: 'qemu', vmid: 100, mark: 'keep' },
    ]);
  });

  it('refuses keep-all together with another positive option, as validate_prune_backups', () => {
    expect(checkPruneOptions({ 'keep-all': true, 'keep-last': 2 })).toBe(
      'keep-all cannot be set together with other options.',
    );
    expect(checkPruneOptions({ 'keep-all': true, 'keep-last': 0 })).toBeUndefined();
    expect(checkPruneOptions({ 'keep-daily': 3 })).toBeUndefined();
  });
});
