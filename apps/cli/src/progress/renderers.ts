import type { Job, JobStep } from '@guildserver/contracts';
import type { WatchReporter } from './job-watch.js';

export interface Output {
  write(text: string): void;
  /** A terminal that can redraw a line (a spinner); plain lines otherwise. */
  isTTY: boolean;
  columns?: number;
  color: boolean;
}

type Paint = (text: string) => string;
export function painter(color: boolean) {
  const wrap =
    (open: number, close: number): Paint =>
    (text) =>
      color ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return { green: wrap(32, 39), red: wrap(31, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

function position(job: Job | undefined, step: JobStep): string {
  if (!job) return '';
  const index = job.steps.findIndex((s) => s.name === step.name);
  return index === -1 ? '' : `[${index + 1}/${job.steps.length}] `;
}

function finishedLine(
  paint: ReturnType<typeof painter>,
  where: string,
  step: JobStep,
  localMs?: number,
): string {
  const ms = step.durationMs ?? localMs;
  if (step.state === 'succeeded') {
    const detail = step.detail ? ` ${paint.dim(`— ${step.detail}`)}` : '';
    return `${paint.green('✓')} ${where}${step.title}${ms === undefined ? '' : paint.dim(` (${seconds(ms)})`)}${detail}`;
  }
  if (step.state === 'skipped') return paint.dim(`- ${where}${step.title} (skipped)`);
  return `${paint.red('✗')} ${where}${step.title}${step.error ? `: ${step.error}` : ''}`;
}

/** Plain lines: for pipes, CI logs and terminals alike. */
export function plainReporter(out: Output): WatchReporter {
  const paint = painter(out.color);
  let job: Job | undefined;
  const startedAt = new Map<string, number>();
  return {
    begin: (j) => {
      job = j;
    },
    stepStarted: (step) => {
      startedAt.set(step.name, Date.now());
      out.write(`${paint.cyan('→')} ${position(job, step)}${step.title}…\n`);
    },
    stepFinished: (step) => {
      const began = startedAt.get(step.name);
      out.write(`${finishedLine(paint, position(job, step), step, began && Date.now() - began)}\n`);
    },
    progress: (message) => out.write(`    ${paint.dim(message)}\n`),
    connection: (state) =>
      out.write(
        paint.dim(state === 'lost' ? '  (lost the event stream; resuming…)\n' : '  (event stream resumed)\n'),
      ),
    end: () => {},
  };
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A spinner line under the finished steps, redrawn in place, with the running step's elapsed time. */
export function spinnerReporter(out: Output): WatchReporter {
  const paint = painter(out.color);
  let job: Job | undefined;
  let current: { step: JobStep; since: number; note?: string } | undefined;
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let lost = false;
  const restoreCursor = () => out.write('\x1b[?25h');
  // Ctrl-C ends the process without 'exit' handlers: give the cursor back first (unless someone else,
  // like `up`, handles Ctrl-C itself).
  const onInterrupt = () => {
    clear();
    restoreCursor();
    process.exit(130);
  };

  const clear = () => out.write('\r\x1b[2K');
  const draw = () => {
    clear();
    if (!current) return;
    const head = `${position(job, current.step)}${current.step.title} `;
    const elapsed = seconds(Date.now() - current.since);
    let note = lost ? 'lost the event stream; resuming…' : current.note;
    // One line only: cut the note to what the terminal has room for.
    const room = (out.columns ?? 80) - 1 - (2 + head.length + elapsed.length + 3);
    if (note && note.length > room) note = room > 8 ? `${note.slice(0, room - 1)}…` : undefined;
    const line = `${paint.cyan(FRAMES[frame % FRAMES.length]!)} ${head}${paint.dim(elapsed)}${note ? paint.dim(` · ${note}`) : ''}`;
    out.write(line);
  };

  return {
    begin: (j) => {
      job = j;
      out.write('\x1b[?25l');
      process.once('exit', restoreCursor);
      if (process.listenerCount('SIGINT') === 0) process.once('SIGINT', onInterrupt);
      timer = setInterval(() => {
        frame++;
        draw();
      }, 80);
    },
    stepStarted: (step) => {
      current = {
        step,
        since: step.startedAt ? Math.min(Date.parse(step.startedAt), Date.now()) : Date.now(),
      };
      draw();
    },
    stepFinished: (step) => {
      const local = current?.step.name === step.name ? Date.now() - current.since : undefined;
      clear();
      out.write(`${finishedLine(paint, position(job, step), step, local)}\n`);
      if (current?.step.name === step.name) current = undefined;
      draw();
    },
    progress: (message) => {
      if (current) current.note = message;
      draw();
    },
    connection: (state) => {
      lost = state === 'lost';
      draw();
    },
    end: () => {
      if (timer) clearInterval(timer);
      timer = undefined;
      clear();
      restoreCursor();
      process.off('exit', restoreCursor);
      process.off('SIGINT', onInterrupt);
    },
  };
}

export const silentReporter = (): WatchReporter => ({
  begin: () => {},
  stepStarted: () => {},
  stepFinished: () => {},
  progress: () => {},
  connection: () => {},
  end: () => {},
});

export const reporterFor = (out: Output, json: boolean): WatchReporter =>
  json ? silentReporter() : out.isTTY ? spinnerReporter(out) : plainReporter(out);
