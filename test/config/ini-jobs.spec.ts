import { iniJobs } from '../../lib/config/ini-loader.js';
import { formatIniProblem, readIni } from '../../lib/config/ini-reader.js';
import { JobRegistry } from '../../lib/registry/job-registry.js';
import type { RegisteredJob } from '../../lib/registry/registered-job.js';
import { parseSchedule } from '../../lib/schedule/parse-schedule.js';

const handler = async () => 'sent';

/** A job as discovery registers it (only the fields these specs look at matter). */
function codeJob(name: string, fields: Partial<RegisteredJob> = {}): RegisteredJob {
  return {
    name,
    kind: 'queued',
    declaredAt: `Jobs.${name}`,
    handler,
    timeoutMs: 300_000,
    retries: 0,
    group: 'main',
    priority: 0,
    description: null,
    active: true,
    sensitive: [],
    isolation: null,
    maxRunning: null,
    rateLimit: null,
    deadLetter: null,
    schedule: null,
    scheduleSpec: null,
    payload: null,
    runAs: null,
    ...fields,
  } as RegisteredJob;
}

function registry(): JobRegistry {
  const jobs = new JobRegistry();
  jobs.add(
    codeJob('report.send', {
      timeoutMs: 10_000,
      retries: 3,
      group: 'reports',
      description: 'Send a report',
      sensitive: ['apiKey'],
      maxRunning: 4,
    }),
  );
  const hourly = { every: '1 hour' };
  jobs.add(
    codeJob('cleanup.hourly', {
      kind: 'scheduled',
      schedule: parseSchedule('cleanup.hourly', hourly),
      scheduleSpec: hourly,
    }),
  );
  return jobs;
}

const load = (text: string) => iniJobs(readIni(text, 'jobs.ini'), registry(), { timezone: 'UTC' });

describe('scheduler.ini sections as jobs', () => {
  it('one handler scheduled twice under two labels with their own keyword arguments', () => {
    const { jobs, problems } = load(`
[report.acme]
call = report.send
every = 1 hour
to = acme@example.com
copies = 2
urgent = true

[report.globex]
callback = report.send
frequency = 2 days
at = 06:00
timezone = Europe/Berlin
to = globex@example.com
active = no
retries = 0
group = nightly
timeout = 1m
priority = 5
description = Globex reports
run_as = 42
kwargs.group = sales
`);
    expect(problems).toEqual([]);
    const [acme, globex] = jobs;
    expect(acme).toMatchObject({
      name: 'report.acme',
      kind: 'scheduled',
      handler,
      payload: { to: 'acme@example.com', copies: 2, urgent: true },
      // what the section leaves out is the called job's
      timeoutMs: 10_000,
      retries: 3,
      group: 'reports',
      description: 'Send a report',
      active: true,
      runAs: null,
      ini: { call: 'report.send', file: 'jobs.ini', line: 2 },
      schedule: { kind: 'interval', everyMs: 3_600_000 },
    });
    expect(globex).toMatchObject({
      name: 'report.globex',
      handler,
      payload: { to: 'globex@example.com', group: 'sales' },
      timeoutMs: 60_000,
      retries: 0,
      group: 'nightly',
      priority: 5,
      description: 'Globex reports',
      active: false,
      runAs: '42',
      schedule: { kind: 'cron', expression: '0 6 * * *', timezone: 'Europe/Berlin', dayStep: 2 },
      scheduleSpec: { every: '2 days', at: '06:00', timezone: 'Europe/Berlin' },
    });
  });

  it('takes every schedule form and limit of @ScheduledTask', () => {
    const { jobs, problems } = load(`
[a]
call = report.send
weekdays = 1, 3,5
at = 08:00
timezone = Europe/Berlin
start_at = 2030-01-01
stop_at = 2031-01-01T00:00:00Z
repeats = 10
misfire = skip
prevent_drift = no

[b]
call = report.send
interval = 90s
initial_delay = 10s

[c]
call = report.send
monthdays = 1,15
at = 02:00

[d]
call = cleanup.hourly
cron = */5 * * * *
`);
    expect(problems).toEqual([]);
    expect(jobs.map((j) => j.schedule)).toMatchObject([
      {
        kind: 'cron',
        expression: '0 8 * * 1,3,5',
        limits: {
          startAt: Date.UTC(2029, 11, 31, 23),
          stopAt: Date.UTC(2031, 0, 1),
          repeats: 10,
          misfire: 'skip',
          preventDrift: false,
        },
      },
      { kind: 'interval', everyMs: 90_000, initialDelayMs: 10_000 },
      { kind: 'cron', expression: '0 2 1,15 * *' },
      { kind: 'cron', expression: '*/5 * * * *' },
    ]);
  });

  it("takes concurrency, rate_limit, dead_letter and sensitive as the decorators do; left out, they are the called job's", () => {
    const { jobs, problems } = load(`
[limited]
call = report.send
every = 1 hour
concurrency = 1
rate_limit = 100/1m
dead_letter = cleanup.hourly
sensitive = password, card.number

[spelled.out]
call = report.send
every = 1 hour
rate_limit = 5 per 30 seconds

[inherits]
call = report.send
every = 1 hour
`);
    expect(problems).toEqual([]);
    const [limited, spelled, inherits] = jobs;
    expect(limited).toMatchObject({
      maxRunning: 1,
      rateLimit: { limit: 100, perMs: 60_000 },
      deadLetter: 'cleanup.hourly',
      // the called job's sensitive fields stay redacted
      sensitive: ['apiKey', 'password', 'card.number'],
      payload: {},
    });
    expect(spelled).toMatchObject({ rateLimit: { limit: 5, perMs: 30_000 }, maxRunning: 4 });
    expect(inherits).toMatchObject({ maxRunning: 4, rateLimit: null, deadLetter: null, sensitive: ['apiKey'] });
  });

  it('a payload field named like a new key is passed with kwargs.', () => {
    const { jobs } = load('[x]\ncall = report.send\nevery = 1 hour\nkwargs.sensitive = yes\nkwargs.concurrency = 2\n');
    expect(jobs[0]).toMatchObject({
      payload: { sensitive: 'yes', concurrency: 2 },
      sensitive: ['apiKey'],
      maxRunning: 4,
    });
  });

  it.each([
    [
      'concurrency not a number',
      '[x]\ncall = report.send\nevery = 1 hour\nconcurrency = one\n',
      'jobs.ini:4: [x] concurrency "one" is not a whole number',
    ],
    [
      'a zero concurrency',
      '[x]\ncall = report.send\nevery = 1 hour\nconcurrency = 0\n',
      'jobs.ini:4: [x] concurrency 0 is not a positive integer (the most tasks of this job running at once)',
    ],
    [
      'a rate_limit without a window',
      '[x]\ncall = report.send\nevery = 1 hour\nrate_limit = 100\n',
      'jobs.ini:4: [x] rate_limit "100" is not a limit per window, e.g. 100/1m or 100 per 1 minute',
    ],
    [
      'a rate_limit limit not a number',
      '[x]\ncall = report.send\nevery = 1 hour\nrate_limit = many/1m\n',
      'jobs.ini:4: [x] rate_limit "many/1m" is not a limit per window',
    ],
    [
      'a zero rate_limit limit',
      '[x]\ncall = report.send\nevery = 1 hour\nrate_limit = 0/1m\n',
      'jobs.ini:4: [x] rate_limit "0/1m": limit 0 is not a positive integer up to 2147483647 (the most starts per window)',
    ],
    [
      'a rate_limit window not a duration',
      '[x]\ncall = report.send\nevery = 1 hour\nrate_limit = 10 per fortnight\n',
      'jobs.ini:4: [x] rate_limit "10 per fortnight": per "fortnight" is not a duration',
    ],
    [
      'a rate_limit window over a day',
      '[x]\ncall = report.send\nevery = 1 hour\nrate_limit = 10/2d\n',
      'jobs.ini:4: [x] rate_limit "10/2d": per "2d" is not a whole number of milliseconds between 1 ms and 1 day',
    ],
    [
      'a dead_letter naming no job',
      '[x]\ncall = report.send\nevery = 1 hour\ndead_letter = nope\n',
      'jobs.ini:4: [x] dead_letter "nope" names no registered job (registered: cleanup.hourly, report.send)',
    ],
    [
      'a dead_letter naming the section itself',
      '[x]\ncall = report.send\nevery = 1 hour\ndead_letter = x\n',
      'jobs.ini:4: [x] dead_letter "x" names the job itself',
    ],
    [
      'a dead_letter of two words',
      '[x]\ncall = report.send\nevery = 1 hour\ndead_letter = a b\n',
      'jobs.ini:4: [x] dead_letter "a b" must name one registered job',
    ],
    [
      'an empty sensitive item',
      '[x]\ncall = report.send\nevery = 1 hour\nsensitive = password,,token\n',
      'jobs.ini:4: [x] sensitive "password,,token" is not a comma-separated list of payload keys or dotted paths, e.g. password, card.number',
    ],
    [
      'a sensitive path with an empty part',
      '[x]\ncall = report.send\nevery = 1 hour\nsensitive = card..number\n',
      'jobs.ini:4: [x] sensitive "card..number" is not a comma-separated list of payload keys or dotted paths',
    ],
    [
      'a call naming no registered job',
      '[x]\ncall = nope\nevery = 1 hour\n',
      'jobs.ini:2: [x] call "nope" names no registered job (registered: cleanup.hourly, report.send)',
    ],
    ['no call', '[x]\nevery = 1 hour\n', 'jobs.ini:1: [x] has no "call": name the registered job whose handler runs'],
    [
      'no schedule',
      '[x]\ncall = report.send\nto = a\n',
      'jobs.ini:1: [x] has no schedule: give every (or frequency), cron, interval, weekdays or monthdays',
    ],
    [
      'an unknown unit',
      '[x]\ncall = report.send\n\nevery = 5 lightyears\n',
      'jobs.ini:4: [x] every "5 lightyears" has an unknown unit "lightyears" (use seconds, minutes, hours, days, weeks or a weekday name)',
    ],
    ['a bad time of day', '[x]\ncall = report.send\nevery = day\nat = 25:00\n', 'jobs.ini:4: [x] at "25:00"'],
    [
      'a bad cron',
      '[x]\ncall = report.send\ncron = 61 * * * *\n',
      'jobs.ini:3: [x] cron "61 * * * *" is not a valid cron expression',
    ],
    [
      'two schedule kinds',
      '[x]\ncall = report.send\nevery = 1 hour\ncron = * * * * *\n',
      'jobs.ini:4: [x] cron "* * * * *" cannot be combined with every',
    ],
    [
      'every and frequency',
      '[x]\ncall = report.send\nevery = 1 hour\nfrequency = 2 hours\n',
      'jobs.ini:4: [x] "frequency" repeats "every" (frequency is its alias): give it once',
    ],
    [
      'call and callback',
      '[x]\ncall = report.send\ncallback = report.send\nevery = 1 hour\n',
      'jobs.ini:3: [x] "call" and "callback" name the same thing: give one',
    ],
    [
      'an unknown time zone',
      '[x]\ncall = report.send\nevery = day\ntimezone = Mars/Olympus\n',
      'jobs.ini:4: [x] timezone "Mars/Olympus" is not a known IANA time zone',
    ],
    [
      'a bad weekday list',
      '[x]\ncall = report.send\nweekdays = mon\n',
      'jobs.ini:3: [x] weekdays "mon" is not a list of days',
    ],
    [
      'a weekday out of range',
      '[x]\ncall = report.send\nweekdays = 1,8\n',
      'jobs.ini:3: [x] weekdays 8 is not a day between 1 and 7',
    ],
    [
      'stop_at before start_at',
      '[x]\ncall = report.send\nevery = 1 hour\nstart_at = 2030-01-02\nstop_at = 2030-01-01\n',
      'jobs.ini:5: [x] stop_at "2030-01-01" is not after startAt',
    ],
    [
      'active neither yes nor no',
      '[x]\ncall = report.send\nevery = 1 hour\nactive = maybe\n',
      'jobs.ini:4: [x] active "maybe" is not yes or no',
    ],
    [
      'retries not a number',
      '[x]\ncall = report.send\nevery = 1 hour\nretries = many\n',
      'jobs.ini:4: [x] retries "many" is not a whole number',
    ],
    [
      'a negative retries',
      '[x]\ncall = report.send\nevery = 1 hour\nretries = -1\n',
      'jobs.ini:4: [x] retries -1 is not a non-negative integer',
    ],
    [
      'a bad timeout',
      '[x]\ncall = report.send\nevery = 1 hour\ntimeout = soon\n',
      'jobs.ini:4: [x] timeout "soon" is not a duration',
    ],
    [
      'a bad group',
      '[x]\ncall = report.send\nevery = 1 hour\ngroup = a b\n',
      'jobs.ini:4: [x] group "a b" is not a group name',
    ],
    [
      'a label taken by a code job',
      '[report.send]\ncall = report.send\nevery = 1 hour\n',
      'jobs.ini:1: [report.send] "report.send" is already a job (Jobs.report.send): give the section its own name',
    ],
  ])('reports %s with file, section and line, and loads the other sections', (_title, bad, message) => {
    const { jobs, problems } = load(`${bad}\n[good]\ncall = report.send\nevery = 1 hour\n`);
    expect(problems.map(formatIniProblem)).toEqual([expect.stringContaining(message)]);
    expect(jobs.map((j) => j.name)).toEqual(['good']);
  });

  it('an ini section cannot call another section', () => {
    const jobs = registry();
    const first = iniJobs(readIni('[a]\ncall = report.send\nevery = 1 hour\n', 'one.ini'), jobs, { timezone: 'UTC' });
    for (const job of first.jobs) jobs.add(job);
    const second = iniJobs(readIni('[b]\ncall = a\nevery = 1 hour\n', 'two.ini'), jobs, { timezone: 'UTC' });
    expect(second.problems.map(formatIniProblem)).toEqual([
      'two.ini:2: [b] call "a" names another scheduler.ini section: call a job declared in code (report.send)',
    ]);
  });
});
