import { crossOriginRefusal, csrfTokenRefusal } from '../../lib/dashboard/http/csrf.js';
import { backTarget } from '../../lib/dashboard/http/params.js';
import { linksFor, type DashboardRequest } from '../../lib/dashboard/http/request-io.js';
import { keysetPage, SCAN_SPAN, type Bounds } from '../../lib/dashboard/data/keyset.js';
import { InvalidDashboardFilterError, runQuery, taskQuery } from '../../lib/dashboard/http/params.js';
import { redact, redactedPayload, Redaction } from '../../lib/dashboard/redact.js';
import { formValue, html } from '../../lib/dashboard/view/html.js';
import { normalizeJobOptions } from '../../lib/registry/job-options.js';

const request = (headers: Record<string, string>, body?: unknown): DashboardRequest => ({ headers, body });

describe('Dashboard building blocks', () => {
  it('html escapes every interpolated value, and only those', () => {
    const value = `<script>alert("x")</script>' & more`;
    expect(html`<p title="${value}">${value}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &amp; more">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; &amp; more</p>',
    );
    expect(html`<ul>${['<a>', html`<li>${'<b>'}</li>`]}</ul>`.value).toBe('<ul>&lt;a&gt;<li>&lt;b&gt;</li></ul>');
  });

  it('redacts keys anywhere, dotted paths from the root, wildcards, and everything for unknown jobs', () => {
    const payload = {
      password: 'p',
      user: { name: 'ann', password: 'q' },
      card: { number: '4111', cvc: '1' },
      keys: [{ token: 't1' }, { token: 't2', id: 3 }],
    };
    expect(redact(payload, ['password', 'card.number', 'keys.*.token'])).toEqual({
      password: '[redacted]',
      user: { name: 'ann', password: '[redacted]' },
      card: { number: '[redacted]', cvc: '1' },
      keys: [{ token: '[redacted]' }, { token: '[redacted]', id: 3 }],
    });
    expect(redact({ a: 1, b: [true, 'x'] }, [], true)).toEqual({ a: '[redacted]', b: ['[redacted]', '[redacted]'] });
    expect(redactedPayload('not json', ['password'])).toBe('[redacted]');
    expect(redactedPayload(null, ['password'])).toBeNull();
  });

  it('shows bidirectional controls as visible escapes, in text and attributes, but posts form values unchanged', () => {
    const spoof = 'RTL:\u202Egnp.exe\u2066\u2069\u200E\u200F\u061C\u202A';
    expect(html`<p title="${spoof}">${spoof}</p>`.value).toBe(
      '<p title="RTL:\\u202Egnp.exe\\u2066\\u2069\\u200E\\u200F\\u061C\\u202A">RTL:\\u202Egnp.exe\\u2066\\u2069\\u200E\\u200F\\u061C\\u202A</p>',
    );
    expect(html`<input value="${formValue(`"${spoof}"`)}">`.value).toBe(
      '<input value="&quot;RTL:&#x202E;gnp.exe&#x2066;&#x2069;&#x200E;&#x200F;&#x61C;&#x202A;&quot;">',
    );
  });

  it('redacts a run by its payload: the result by path and by value, texts by value', () => {
    const payload = JSON.stringify({
      user: 'ann',
      password: 'pa"ss',
      cards: [{ cvc: '123', n: 7 }],
      card: { number: 4111 },
    });
    const r = new Redaction(['password', 'cards.*.cvc', 'card'], false, payload);
    expect(
      JSON.parse(r.result(JSON.stringify({ password: 'pa"ss', copy: 'pa"ss', n: 4111, nested: ['cvc 123'] }))!),
    ).toEqual({
      password: '[redacted]',
      copy: '[redacted]',
      n: '[redacted]',
      nested: ['cvc [redacted]'],
    });
    expect(r.text('logged in with pa"ss; payload {"password":"pa\\"ss"}; card 4111; ann')).toBe(
      'logged in with [redacted]; payload {"password":"[redacted]"}; card [redacted]; ann',
    );
    expect(r.result('plain pa"ss')).toBe('plain [redacted]');
    expect(r.payload()).toContain('"user": "ann"');
    // a one-letter secret does not eat into what was already redacted
    expect(new Redaction(['p'], false, '{"p":"e"}').result('{"p":"e","q":"eee"}')).toBe(
      '{\n  "p": "[redacted]",\n  "q": "[redacted][redacted][redacted]"\n}',
    );
    // job no longer in code: every value; task gone (payload unknown): texts withheld whole
    expect(new Redaction([], true, '{"a":"x1","b":[2]}').text('x1 and 2')).toBe('[redacted] and [redacted]');
    expect(new Redaction(['password'], false, undefined).text('anything')).toBe('[redacted]');
    expect(new Redaction([], false, payload).text('pa"ss')).toBe('pa"ss');
    expect(Redaction.NONE.text(null)).toBeNull();
  });

  it('reads list filters strictly, naming every parameter it cannot apply', () => {
    expect(taskQuery({ status: 'FAILED', job: 'a', group: '', before: '12' })).toEqual({
      filter: { status: 'FAILED', job: 'a', group: undefined },
      cursor: { before: 12 },
    });
    expect(runQuery({ task: '3', after: '9' })).toEqual({
      filter: { status: undefined, job: undefined, taskId: 3 },
      cursor: { after: 9 },
    });
    expect(() => taskQuery({ status: 'BOGUS', before: 'abc' })).toThrow(
      new InvalidDashboardFilterError([
        {
          parameter: 'status',
          value: 'BOGUS',
          reason: 'is not one of WAITING, QUEUED, RUNNING, COMPLETED, FAILED, TIMEOUT, STOPPED, EXPIRED, CANCELLED',
        },
        { parameter: 'before', value: 'abc', reason: 'is not a task id (a whole number from 1)' },
      ]),
    );
    expect(() => runQuery({ status: ['FAILED', 'LOST'] })).toThrow(
      'Invalid filter: status ["FAILED","LOST"] is not a single value.',
    );
    expect(() => runQuery({ after: '0' })).toThrow(
      'Invalid filter: after "0" is not a run id (a whole number from 1).',
    );
    expect(() => taskQuery({ group: 'g'.repeat(65) })).toThrow(/group "g{40}…" is longer than 64 characters/);
  });

  it('validates the sensitive job option at start-up', () => {
    expect(normalizeJobOptions('j', { sensitive: ['a', 'b.c'] }, { timeoutMs: 1 }).sensitive).toEqual(['a', 'b.c']);
    expect(normalizeJobOptions('j', {}, { timeoutMs: 1 }).sensitive).toEqual([]);
    expect(() => normalizeJobOptions('j', { sensitive: 'password' as never }, { timeoutMs: 1 })).toThrow(
      /Invalid option for job "j": sensitive "password"/,
    );
    expect(() => normalizeJobOptions('j', { sensitive: ['a..b'] }, { timeoutMs: 1 })).toThrow(/sensitive/);
  });

  it('links relatively, so prefixes and prefix-stripping proxies keep working', () => {
    expect(linksFor('/scheduler', 0)).toEqual({ root: 'scheduler/', home: 'scheduler' });
    expect(linksFor('/api/scheduler/', 0)).toEqual({ root: './', home: '../scheduler' });
    expect(linksFor('/api/scheduler/jobs', 1)).toEqual({ root: './', home: '../scheduler' });
    expect(linksFor('/api/scheduler/runs/12', 2)).toEqual({ root: '../', home: '../../scheduler' });
    expect(linksFor('/', 0)).toEqual({ root: './', home: './' });
    expect(linksFor('/jobs', 1)).toEqual({ root: './', home: './' });
  });

  it('returns from an action only to a dashboard page', () => {
    for (const ok of ['', 'jobs', 'tasks/12', 'tasks?status=FAILED&job=a.b%2Fc', 'runs?task=3&before=10'])
      expect(backTarget(ok, 'x')).toBe(ok);
    for (const bad of [
      '//evil.example',
      'https://evil.example',
      '../x',
      'jobs/../../x',
      'tasks/1/2',
      'jobs?x=<y>',
      'jobs\\x',
      5,
    ])
      expect(backTarget(bad, 'jobs')).toBe('jobs');
  });

  it('refuses cross-origin posts the way Fetch Metadata and Origin describe them', () => {
    const none = new Set<string>();
    expect(crossOriginRefusal(request({ 'sec-fetch-site': 'same-origin' }), none)).toBeNull();
    expect(crossOriginRefusal(request({ 'sec-fetch-site': 'cross-site' }), none)).toMatch(/cross-site/);
    expect(crossOriginRefusal(request({ 'sec-fetch-site': 'same-site' }), none)).toMatch(/same-site/);
    expect(crossOriginRefusal(request({}), none)).toBeNull(); // not a browser
    expect(crossOriginRefusal(request({ origin: 'http://a.example:3000', host: 'a.example:3000' }), none)).toBeNull();
    expect(crossOriginRefusal(request({ origin: 'https://a.example', host: 'a.example' }), none)).toBeNull();
    expect(crossOriginRefusal(request({ origin: 'https://evil.example', host: 'a.example' }), none)).toMatch(/evil/);
    expect(
      crossOriginRefusal(
        request({ origin: 'https://admin.example', host: 'internal:8080', 'sec-fetch-site': 'cross-site' }),
        new Set(['https://admin.example']),
      ),
    ).toBeNull();
  });

  it('wants the cookie token repeated in the form', () => {
    const token = 'a'.repeat(43);
    expect(csrfTokenRefusal(request({ cookie: `x=1; kronos_csrf=${token}` }, { _csrf: token }))).toBeNull();
    expect(csrfTokenRefusal(request({ cookie: `kronos_csrf=${token}` }, {}))).toMatch(/no CSRF token/);
    expect(csrfTokenRefusal(request({ cookie: `kronos_csrf=${token}` }, { _csrf: 'b'.repeat(43) }))).toMatch(
      /does not match/,
    );
    expect(csrfTokenRefusal(request({}, { _csrf: token }))).toMatch(/no CSRF cookie/);
  });

  describe('keyset pages', () => {
    const rows = Array.from({ length: 120 }, (_, i) => ({ id: i + 1 }));
    const fetch = async (b: Bounds) =>
      rows
        .filter(
          (r) =>
            (b.gt === undefined || r.id > b.gt) &&
            (b.lt === undefined || r.id < b.lt) &&
            (b.gte === undefined || r.id >= b.gte) &&
            (b.lte === undefined || r.id <= b.lte),
        )
        .sort((x, y) => (b.order === 'ASC' ? x.id - y.id : y.id - x.id))
        .slice(0, b.limit);

    it('walk newest first, older and newer', async () => {
      const first = await keysetPage({ size: 50 }, fetch);
      expect([first.rows[0].id, first.rows[49].id, first.newer, first.older]).toEqual([120, 71, null, 71]);
      const second = await keysetPage({ size: 50, before: 71 }, fetch);
      expect([second.rows[0].id, second.rows[49].id, second.newer, second.older]).toEqual([70, 21, 70, 21]);
      const last = await keysetPage({ size: 50, before: 21 }, fetch);
      expect([last.rows.length, last.older]).toEqual([20, null]);
      const back = await keysetPage({ size: 50, after: 70 }, fetch);
      expect([back.rows[0].id, back.rows[49].id, back.newer, back.older]).toEqual([120, 71, null, 71]);
      const middle = await keysetPage({ size: 10, after: 20 }, fetch);
      expect([middle.rows[0].id, middle.rows[9].id, middle.newer, middle.older]).toEqual([30, 21, 30, 21]);
    });

    it('search a bounded id range when the filter has no index', async () => {
      const page = await keysetPage(
        { size: 50, before: SCAN_SPAN * 3 },
        async () => [],
        async () => SCAN_SPAN * 4,
      );
      expect(page.searched).toEqual({ from: SCAN_SPAN * 2, to: SCAN_SPAN * 3 - 1 });
      expect(page.older).toBe(SCAN_SPAN * 2);
    });
  });
});
