// Which backups a `prune-backups` retention keeps: a port of PVE::Storage::prune_mark_backup_group and the
// surrounding grouping in PVE::Storage::Plugin::prune_backups. Periods use the node's local time, as PVE does.
// The simulator answers prunebackups with it; the API applies it to GuildServer's own backups only (PVE's
// prune would count, and remove, backups someone else made of the same VM).

export interface PruneOptions {
  'keep-all'?: boolean;
  'keep-last'?: number;
  'keep-hourly'?: number;
  'keep-daily'?: number;
  'keep-weekly'?: number;
  'keep-monthly'?: number;
  'keep-yearly'?: number;
}

export type PruneMark = 'keep' | 'remove' | 'protected' | 'renamed';

export interface PruneCandidate {
  volid: string;
  ctime: number;
  /** `qemu`, `lxc`, `openvz` or `unknown`. */
  type: string;
  vmid?: number;
  protected?: boolean;
  /** Named `vzdump-<type>-<vmid>-<YYYY_MM_DD-HH_MM_SS>.<ext>`; others are never pruned (`renamed`). */
  standardName: boolean;
}

export interface PruneEntry {
  volid: string;
  ctime: number;
  type: string;
  vmid?: number;
  mark: PruneMark;
}

type PeriodOf = (ctime: number) => string;

/** Monday-based ISO 8601 week and its year (strftime `%V/%G`) of a local date. */
function isoWeek(date: Date): string {
  const thursday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  thursday.setDate(thursday.getDate() + 3 - ((thursday.getDay() + 6) % 7));
  const year = thursday.getFullYear();
  const firstThursday = new Date(year, 0, 4);
  firstThursday.setDate(firstThursday.getDate() + 3 - ((firstThursday.getDay() + 6) % 7));
  const week = 1 + Math.round((thursday.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return `${week}/${year}`;
}

const local = (ctime: number) => new Date(ctime * 1000);

/** In PVE's order: each rule only sees what the rules before it left unmarked. */
const RULES: [keyof PruneOptions, PeriodOf][] = [
  ['keep-last', (ctime) => String(ctime)],
  [
    'keep-hourly',
    (c) => `${local(c).getHours()}/${local(c).getDate()}/${local(c).getMonth()}/${local(c).getFullYear()}`,
  ],
  ['keep-daily', (c) => `${local(c).getDate()}/${local(c).getMonth()}/${local(c).getFullYear()}`],
  ['keep-weekly', (c) => isoWeek(local(c))],
  ['keep-monthly', (c) => `${local(c).getMonth()}/${local(c).getFullYear()}`],
  ['keep-yearly', (c) => String(local(c).getFullYear())],
];

type Marked = { ctime: number; mark?: PruneMark };

const hasPositiveRule = (keep: PruneOptions) =>
  RULES.some(([key]) => ((keep[key] as number | undefined) ?? 0) > 0);

/** Keeps the newest backup of each of the `count` newest periods not already covered by a kept backup. */
function markPeriods(entries: Marked[], count: number | undefined, periodOf: PeriodOf): void {
  if (!count) return;
  const alreadyIncluded = new Set<string>();
  for (const entry of entries) if (entry.mark === 'keep') alreadyIncluded.add(periodOf(entry.ctime));
  const newlyIncluded = new Set<string>();
  for (const entry of entries) {
    const period = periodOf(entry.ctime);
    if (entry.mark !== undefined || alreadyIncluded.has(period)) continue;
    if (newlyIncluded.has(period)) {
      entry.mark = 'remove';
      continue;
    }
    if (newlyIncluded.size >= count) break;
    newlyIncluded.add(period);
    entry.mark = 'keep';
  }
}

/** Marks one guest's backups (entries already marked `protected` or `renamed` keep their mark). */
export function markBackupGroup(group: Marked[], keep: PruneOptions): void {
  if (keep['keep-all'] || !hasPositiveRule(keep)) {
    for (const entry of group) if (!entry.mark || entry.mark === 'remove') entry.mark = 'keep';
    return;
  }
  const newestFirst = [...group].sort((a, b) => b.ctime - a.ctime);
  for (const [key, periodOf] of RULES) markPeriods(newestFirst, keep[key] as number | undefined, periodOf);
  for (const entry of newestFirst) entry.mark ??= 'remove';
}

/** The dry-run list PVE answers: every candidate with its mark, grouped per `<type>/<vmid>` for the rules. */
export function pruneMarks(candidates: readonly PruneCandidate[], keep: PruneOptions): PruneEntry[] {
  const groups = new Map<string, Marked[]>();
  const list = candidates.map((candidate) => {
    const entry: Omit<PruneEntry, 'mark'> & Marked = {
      volid: candidate.volid,
      ctime: candidate.ctime,
      type: candidate.type,
      ...(candidate.vmid !== undefined ? { vmid: candidate.vmid } : {}),
    };
    if (candidate.standardName) {
      const key = `${candidate.type}/${candidate.vmid}`;
      groups.set(key, [...(groups.get(key) ?? []), entry]);
    } else {
      entry.mark = 'renamed';
    }
    if (candidate.protected) entry.mark = 'protected';
    return entry;
  });
  for (const group of groups.values()) markBackupGroup(group, keep);
  return list as PruneEntry[];
}

/** PVE::JSONSchema::validate_prune_backups: no positive option means keep-all; keep-all excludes the others. */
export function checkPruneOptions(keep: PruneOptions): string | undefined {
  if (keep['keep-all'] && hasPositiveRule(keep)) return 'keep-all cannot be set together with other options.';
  return undefined;
}
