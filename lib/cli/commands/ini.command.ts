import { writeFile } from 'node:fs/promises';
import { exportIni } from '../../config/ini-export.js';
import { applyIniImport, planIniImport, type ImportAction } from '../../config/ini-import.js';
import { readIniFile } from '../../config/ini-loader.js';
import { formatIniProblem } from '../../config/ini-reader.js';
import { readDefinitions } from '../../service/job-list.js';
import { UsageError } from '../cli-error.js';
import type { Command } from '../command.js';
import { print, printJson } from '../format.js';

/** `kronos export-ini`: the current recurring definitions as a scheduler.ini file. */
export const exportIniCommand: Command = {
  name: 'export-ini',
  summary: 'write the recurring job definitions (with admin toggles) as scheduler.ini',
  usage: 'kronos export-ini [-o FILE] [--source all|code|ini]',
  help: `Writes every recurring job as a section: its call, schedule as stored (an admin's reschedule
included), active toggle, and the options that differ from their defaults. --source ini keeps
the scheduler.ini jobs only (a file to use as configFile). Importing the result changes nothing.`,
  options: { output: { type: 'string', short: 'o' }, source: { type: 'string' } },
  boot: 'app',
  async run({ app, values, io }) {
    const source = (values.source ?? 'all') as string;
    if (!['all', 'code', 'ini'].includes(source)) throw new UsageError(`--source ${source} is not all, code or ini`);
    const text = exportIni({
      definitions: await readDefinitions(app.runtime.dataSource),
      registry: app.runtime.registry,
      defaultTimeoutMs: app.runtime.options.defaultTimeoutMs,
      source: source as 'all' | 'code' | 'ini',
      exportedAt: new Date(),
    });
    if (typeof values.output === 'string') {
      await writeFile(values.output, text);
      print(io.err, `kronos: wrote ${values.output}`);
    } else {
      io.out.write(text);
    }
    return 0;
  },
};

const describe = (action: ImportAction): string => {
  switch (action.kind) {
    case 'activate':
    case 'deactivate':
      return `${action.kind} ${action.job}`;
    case 'reschedule':
      return `reschedule ${action.job}: ${action.from} -> ${action.to}`;
    case 'reset-schedule':
      return `reset the schedule of ${action.job} to the code's: ${action.from} -> ${action.to}`;
  }
};

/** `kronos import-ini FILE`: apply a scheduler.ini file's toggles and schedules. */
export const importIniCommand: Command = {
  name: 'import-ini',
  summary: 'apply a scheduler.ini file: active toggles and schedules (--dry-run to preview)',
  usage: 'kronos import-ini FILE [--dry-run] [--json]',
  help: `Applies what an admin owns to the jobs the application has: "active" (activate/deactivate)
and the schedule (reschedule, or back to the code's own). Sections for jobs the application
does not have, or that call another handler, are reported with file, section and line and left
out (exit code 1); the others are applied. Options that differ from the code or the configFile
(call's arguments, timeout, ...) are reported as notes, never applied.`,
  options: { 'dry-run': { type: 'boolean' } },
  boot: 'app',
  async run({ app, positionals, values, io }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length) throw new UsageError('import-ini takes one file');
    const plan = planIniImport(await readIniFile(file), {
      registry: app.runtime.registry,
      definitions: await readDefinitions(app.runtime.dataSource),
      timezone: app.runtime.options.timezone,
      configFile: app.runtime.options.configFile,
    });
    const dryRun = Boolean(values['dry-run']);
    if (!dryRun) await applyIniImport(plan, app.scheduler);
    if (values.json) {
      printJson(io, { dryRun, ...plan });
    } else {
      for (const problem of plan.problems) print(io.err, `kronos: ${formatIniProblem(problem)} (section left out)`);
      for (const note of plan.notes) print(io.err, `kronos: note: ${formatIniProblem(note)}`);
      for (const action of plan.actions) print(io.out, `${dryRun ? 'would ' : ''}${describe(action)}`);
      print(
        io.out,
        `${plan.actions.length} change(s) ${dryRun ? 'to apply' : 'applied'}, ${plan.unchanged.length} section(s) unchanged, ${plan.problems.length} problem(s).`,
      );
    }
    return plan.problems.length > 0 ? 1 : 0;
  },
};
