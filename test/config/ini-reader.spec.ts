import { formatIniProblem, readIni, writeIni } from '../../lib/config/ini-reader.js';
import { formatIniValue, parseIniValue } from '../../lib/config/ini-values.js';

const sections = (text: string) =>
  readIni(text, 'scheduler.ini').sections.map((s) => [s.name, s.line, s.entries.map((e) => [e.key, e.value, e.line])]);
const problems = (text: string) => readIni(text, 'scheduler.ini').problems.map(formatIniProblem);

describe('scheduler.ini reader', () => {
  it.each([
    ['one section', '[a]\ncall = x\n', [['a', 1, [['call', 'x', 2]]]]],
    ['key: value', '[a]\nat: 23:30\n', [['a', 1, [['at', '23:30', 2]]]]],
    [
      'the first separator wins',
      '[a]\nat = 23:30\ncron = */5 * * * *\n',
      [
        [
          'a',
          1,
          [
            ['at', '23:30', 2],
            ['cron', '*/5 * * * *', 3],
          ],
        ],
      ],
    ],
    ['comments and blank lines', '; top\n# also\n\n[a]\n  ; indented comment\nk = v\n', [['a', 4, [['k', 'v', 6]]]]],
    [
      'values keep # and ;',
      '[a]\nurl = http://x/#frag ; not a comment\n',
      [['a', 1, [['url', 'http://x/#frag ; not a comment', 2]]]],
    ],
    ['spaces around names and values', '[ a b ]\n  key   =   some value  \n', [['a b', 1, [['key', 'some value', 2]]]]],
    ['an empty value', '[a]\nk =\n', [['a', 1, [['k', '', 2]]]]],
    [
      'continuation lines',
      '[a]\ndescription = first\n  second\n   third\nk = v\n',
      [
        [
          'a',
          1,
          [
            ['description', 'first\nsecond\nthird', 2],
            ['k', 'v', 5],
          ],
        ],
      ],
    ],
    [
      'a blank line ends a continuation',
      '[a]\nk = v\n\n  ; fine\n[b]\n',
      [
        ['a', 1, [['k', 'v', 2]]],
        ['b', 5, []],
      ],
    ],
    ['CRLF line ends and a BOM', '\uFEFF[a]\r\nk = v\r\n', [['a', 1, [['k', 'v', 2]]]]],
    [
      'keys are case-sensitive',
      '[a]\nTo = x\nto = y\n',
      [
        [
          'a',
          1,
          [
            ['To', 'x', 2],
            ['to', 'y', 3],
          ],
        ],
      ],
    ],
    ['empty file', '', []],
  ])('%s', (_title, text, expected) => {
    expect(problems(text)).toEqual([]);
    expect(sections(text)).toEqual(expected);
  });

  it.each([
    [
      'a key outside any section',
      'k = v\n[a]\nx = 1\n',
      ['scheduler.ini:1: "k" is outside any section: put it under a [section] header'],
      ['a'],
    ],
    [
      'a line that is not key = value',
      '[a]\nx = 1\n[b]\njust words\ny = 2\n',
      ['scheduler.ini:4: [b] expected "key = value" or "[section]", got "just words"'],
      ['a'],
    ],
    [
      'a duplicate key',
      '[a]\nk = 1\nk = 2\n[b]\n',
      ['scheduler.ini:3: [a] duplicate key "k" (first at line 2)'],
      ['b'],
    ],
    [
      'a duplicate section: neither is used',
      '[a]\nk = 1\n[b]\n[a]\nk = 2\n',
      ['scheduler.ini:4: [a] duplicate section (first at line 1): neither is used'],
      ['b'],
    ],
    [
      'an empty section name',
      '[ ]\nk = v\n[b]\n',
      ['scheduler.ini:1: a section needs a name between the brackets'],
      ['b'],
    ],
    ['a value without a key', '[a]\n= v\n', ['scheduler.ini:2: [a] a value without a key: "= v"'], []],
  ])('reports %s with file, section and line and keeps the other sections', (_title, text, expectedProblems, kept) => {
    const doc = readIni(text, 'scheduler.ini');
    expect(doc.problems.map(formatIniProblem)).toEqual(expectedProblems);
    expect(doc.sections.map((s) => s.name)).toEqual(kept);
  });

  it('writes what it reads', () => {
    const text = writeIni(
      [
        {
          name: 'a',
          comment: ['declared in code'],
          entries: [
            ['call', 'x'],
            ['description', 'two\nlines'],
            ['empty', ''],
          ],
        },
        { name: 'b c', entries: [['k', 'v']] },
      ],
      ['header'],
    );
    expect(text).toBe(
      '; header\n\n; declared in code\n[a]\ncall = x\ndescription = two\n    lines\nempty =\n\n[b c]\nk = v\n',
    );
    expect(sections(text)).toEqual([
      [
        'a',
        4,
        [
          ['call', 'x', 5],
          ['description', 'two\nlines', 6],
          ['empty', '', 8],
        ],
      ],
      ['b c', 10, [['k', 'v', 11]]],
    ]);
  });

  it.each([
    ['text', 'hello world', 'hello world'],
    ['a number', '42', 42],
    ['a decimal', '-1.5', -1.5],
    ['true', 'true', true],
    ['null', 'null', null],
    ['a quoted string', '"42"', '42'],
    ['a list', '[1, "a"]', [1, 'a']],
    ['an object', '{"a": {"b": 1}}', { a: { b: 1 } }],
    ['almost JSON', '{not json}', '{not json}'],
    ['empty', '', ''],
  ])('keyword argument values: %s', (_title, raw, value) => {
    expect(parseIniValue(raw)).toEqual(value);
    expect(parseIniValue(formatIniValue(value as never))).toEqual(value);
  });

  it.each(['42', 'true', ' padded ', '"quoted"', 'two\nlines', 'null', '[x]'])(
    'strings that would read as something else are quoted: %j',
    (value) => {
      expect(parseIniValue(formatIniValue(value))).toBe(value);
    },
  );
});
