import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../src/core/plan/load-plan.js';
import { BASE, issuesOf } from './plan-text.js';

describe('validate: the base plan', () => {
  it('is valid with no issues at all', () => {
    expect(issuesOf(BASE)).toEqual([]);
    expect(loadPlan(BASE).plan?.tasks.map((t) => t.id)).toEqual(['stop-jobs', 'backup']);
  });
});

describe('validate: shape', () => {
  it('reports an unknown key at the key, with did-you-mean', () => {
    const text = BASE.replace('        owner: lead\n', '        ownr: lead\n');
    // The typo is reported, and so is what it means for the plan: checks go on past unknown keys.
    expect(issuesOf(text)).toEqual([
      "12:9 error missing-owner manual task 'stop-jobs' has no owner: nobody could complete it | add owner: ROLE, or an action: to automate it",
      "13:9 error unknown-key unknown key 'ownr' | did you mean 'owner'?",
    ]);
  });

  it('lists the accepted keys when the unknown one resembles none', () => {
    const [issue] = issuesOf(BASE.replace('name: base\n', 'name: base\ncolour: blue\n'));
    expect(issue).toMatch(/^3:1 error unknown-key unknown key 'colour' \| expected one of: .*goLive.*phases/);
  });

  it('names a missing required key at its parent', () => {
    expect(issuesOf(BASE.replace('    at: T-4h\n', ''))).toEqual([
      "9:5 error missing-key missing required key 'at'",
    ]);
  });

  it('says which type was expected and which was found', () => {
    expect(issuesOf(BASE.replace('        estimate: 10m\n', '        estimate: 10\n'))).toEqual([
      "14:19 error wrong-type 'estimate': expected a duration such as '30s', '10m' or '1h30m', got a number",
    ]);
  });

  it('rejects a malformed duration and offset strictly', () => {
    const text = BASE.replace('estimate: 10m', 'estimate: 1m1h').replace(
      '    at: T-4h\n',
      '    at: T-4 hours\n',
    );
    expect(issuesOf(text)).toEqual([
      "10:9 error bad-format 'at': expected an offset from T-0 such as 'T-4h', 'T-1h30m', 'T-0' or 'T+30m', got 'T-4 hours'",
      "14:19 error bad-format 'estimate': expected a duration such as '30s', '10m' or '1h30m' (units d, h, m, s in that order), got '1m1h'",
    ]);
  });

  it('rejects an id that is not lower-case letters, digits and dashes', () => {
    expect(issuesOf(BASE.replace('id: backup', 'id: Final_Backup'))).toEqual([
      "15:13 error bad-format 'id': ids use lower-case letters, digits and dashes, e.g. final-backup, got 'Final_Backup'",
    ]);
  });

  it('suggests the closest value of a closed set', () => {
    const text = BASE.replace('        estimate: 10m\n', '        estimate: 10m\n        type: gaet\n');
    expect(issuesOf(text)).toEqual([
      "15:15 error bad-value 'type': expected one of: task, gate, wait, got 'gaet' | did you mean 'gate'?",
    ]);
  });

  it('requires version 1', () => {
    expect(issuesOf(BASE.replace('version: 1', 'version: 2'))).toEqual([
      "1:10 error bad-value 'version': expected version: 1, got 2",
    ]);
  });
});

describe('validate: references', () => {
  it('reports an unknown role with did-you-mean', () => {
    expect(issuesOf(BASE.replace('owner: dba', 'owner: dab'))).toEqual([
      "16:16 error unknown-role unknown role 'dab' | did you mean 'dba'?",
    ]);
  });

  it('reports an unknown action with did-you-mean', () => {
    expect(issuesOf(BASE.replace('action: shell', 'action: shel'))).toEqual([
      "17:17 error unknown-action unknown action 'shel' | did you mean 'shell'?",
    ]);
  });

  it('reports an unknown connection named by a data action', () => {
    const text = BASE.replace(
      'roles:',
      'connections:\n  legacy-db: { kind: postgres, url: "${env:LEGACY}" }\nroles:',
    ).replace(
      "action: shell\n        with: { run: 'echo backup' }",
      'action: data.compare\n        with: { source: legacy-db, target: new-db }',
    );
    expect(issuesOf(text)).toEqual([
      "20:44 error unknown-connection unknown connection 'new-db' | connections: legacy-db",
    ]);
  });

  it('warns about role members not described under people', () => {
    const text = BASE.replace('roles:', 'people:\n  alice: { name: Alice }\nroles:');
    expect(issuesOf(text)).toEqual([
      "9:20 warning unknown-person 'carol' is not described under people: (no name or contact for notifications)",
    ]);
    expect(loadPlan(text).plan).toBeDefined();
  });

  it('requires an owner on a manual task', () => {
    expect(issuesOf(BASE.replace('        owner: lead\n', ''))).toEqual([
      "12:9 error missing-owner manual task 'stop-jobs' has no owner: nobody could complete it | add owner: ROLE, or an action: to automate it",
    ]);
  });

  it('reports a criterion naming an unknown monitor', () => {
    const text = `${BASE}rollback:\n  criteria:\n    - { id: errors, title: Errors, monitor: error-rate }\n`;
    expect(issuesOf(text)).toEqual(["23:45 error unknown-monitor unknown monitor 'error-rate'"]);
  });

  it('refuses keys that do not belong to the kind of task', () => {
    const text = BASE.replace('        estimate: 10m\n', '        estimate: 10m\n        voters: [lead]\n');
    expect(issuesOf(text)).toEqual([
      "15:9 error key-not-for-kind 'voters' only applies to gate tasks (type: gate); this task is a manual task",
    ]);
  });
});

describe('validate: ids and dependencies', () => {
  it('reports a duplicate id at the second one and points at the first', () => {
    const result = loadPlan(
      BASE.replace('id: backup', 'id: stop-jobs').replace('        after: [stop-jobs]\n', ''),
    );
    expect(result.issues.map((i) => [i.code, i.message, i.position, i.relatedPosition])).toEqual([
      [
        'duplicate-id',
        "duplicate id 'stop-jobs': a task already has it",
        { line: 15, col: 13 },
        { line: 12, col: 13 },
      ],
    ]);
  });

  it('treats a checklist item and a task with the same id as duplicates', () => {
    const text = BASE.replace(
      'phases:',
      'checklist:\n  data:\n    - { id: backup, title: Backup tested, owner: dba }\nphases:',
    );
    expect(issuesOf(text)).toEqual(["10:13 error duplicate-id duplicate id 'backup': a task already has it"]);
  });

  it('prints a dependency cycle in full', () => {
    const text = BASE.replace('        estimate: 10m\n', '        estimate: 10m\n        after: [backup]\n');
    expect(issuesOf(text)).toEqual([
      '15:16 error dependency-cycle dependency cycle: stop-jobs → backup → stop-jobs | remove one of the after: links in the cycle',
    ]);
  });

  it('finds a three-task cycle among other tasks', () => {
    const text = `${BASE}      - { id: a, owner: lead, after: [c] }\n      - { id: b, owner: lead, after: [a] }\n      - { id: c, owner: lead, after: [b] }\n`;
    expect(issuesOf(text)).toEqual([
      '21:38 error dependency-cycle dependency cycle: a → b → c → a | remove one of the after: links in the cycle',
    ]);
  });

  it('reports a dependency on an unknown task with did-you-mean', () => {
    expect(issuesOf(BASE.replace('after: [stop-jobs]', 'after: [stop-job]'))).toEqual([
      "19:17 error unknown-task unknown task 'stop-job' in after: | did you mean 'stop-jobs'?",
    ]);
  });

  it('reports a dependency on a task in a later phase', () => {
    const text = `${BASE.replace('        estimate: 10m\n', '        estimate: 10m\n        after: [verify]\n')}  - id: later\n    at: T-1h\n    tasks:\n      - { id: verify, owner: lead }\n`;
    expect(issuesOf(text)).toEqual([
      "15:17 error dependency-on-later-phase task 'stop-jobs' (phase 'begin') depends on 'verify' in the later phase 'later' | move one of the tasks, or drop the dependency: a phase starts after the one before it",
    ]);
  });
});

describe('validate: times', () => {
  it('reports an offset after the window ends', () => {
    const text = `${BASE}  - id: late\n    at: T+5h\n    tasks:\n      - { id: review, owner: lead }\n`;
    expect(issuesOf(text)).toEqual([
      "22:9 error offset-outside-window phase 'late' starts at T+5h is after the window ends (T+4h)",
    ]);
  });

  it('accepts preparation before the window starts, such as a T-24h go/no-go', () => {
    const text = BASE.replace(
      'phases:\n',
      'phases:\n  - id: decide\n    at: T-24h\n    tasks:\n      - { id: go, type: gate, voters: [lead], deadline: T-23h }\n',
    );
    expect(issuesOf(text)).toEqual([]);
  });

  it('reports phases written out of time order', () => {
    const text = `${BASE}  - id: earlier\n    at: T-5h\n    tasks:\n      - { id: review, owner: lead }\n`;
    expect(issuesOf(text)[0]).toBe(
      "22:9 error phases-out-of-order phase 'earlier' starts at T-5h, before the phase before it ('begin', T-4h) | phases run in the order written: order them by time",
    );
  });

  it('reports a rollback that cannot fit between T-0 and the window end', () => {
    const text = `${BASE}rollback:\n  steps:\n    - { id: declare, title: Declare, owner: lead, budget: 1h }\n    - { id: redirect, title: Redirect, owner: lead, budget: 3h30m }\n`;
    expect(issuesOf(text)).toEqual([
      "23:5 error rollback-does-not-fit the rollback steps need 4h30m but only 4h remain between T-0 and the window's end (T+4h) | shorten the step budgets or extend window.end",
    ]);
  });

  it('reports a window that ends before it starts', () => {
    expect(issuesOf(BASE.replace('end: T+4h', 'end: T-5h'))[0]).toBe(
      '4:29 error bad-window the window ends (T-5h) before it starts (T-4h)',
    );
  });
});

describe('validate: gates', () => {
  const gate = (extra: string) =>
    BASE.replace(
      'phases:\n',
      `phases:\n  - id: decide\n    at: T-24h\n    tasks:\n      - { id: go, type: gate${extra} }\n`,
    );

  it('reports a gate without voters', () => {
    expect(issuesOf(gate(''))).toEqual([
      "12:9 error gate-without-voters gate 'go' has no voters | add voters: [ROLE, ...]",
    ]);
  });

  it('reports a quorum larger than the people who can vote', () => {
    expect(issuesOf(gate(', voters: [lead, dba], quorum: 3'))).toEqual([
      "12:60 error impossible-quorum gate 'go' needs 3 votes but only 2 people can vote",
    ]);
  });

  it('reports quorum all over a role with no members', () => {
    const text = gate(', voters: [lead, nobody]').replace('roles:\n', 'roles:\n  nobody: { members: [] }\n');
    expect(issuesOf(text)).toEqual([
      "6:22 warning empty-role role 'nobody' has no members: nobody can act for it",
      "13:39 error impossible-quorum gate 'go' needs every voter role but 'nobody' has no members",
    ]);
  });

  it('reports a requirement on a checklist the plan does not have', () => {
    expect(issuesOf(gate(', voters: [lead], requires: [checklist]'))).toEqual([
      "12:58 error unknown-requirement gate 'go' requires the checklist but the plan has none",
    ]);
  });
});

describe('validate: secrets', () => {
  it('refuses a password written inline and never repeats it', () => {
    const text = BASE.replace(
      "with: { run: 'echo backup' }",
      "with: { run: 'echo backup', password: hunter22 }",
    );
    const issues = issuesOf(text);
    expect(issues).toEqual([
      "18:47 error inline-secret secret written inline in 'phases.0.tasks.1.with.password' | reference it instead: ${env:NAME} or ${file:PATH}; it is resolved only when the action runs",
    ]);
    expect(issues.join()).not.toContain('hunter22');
  });

  it('refuses a password inside a connection URL but accepts a reference', () => {
    const bad = BASE.replace(
      'roles:',
      'connections:\n  db: { kind: postgres, url: "postgres://app:s3cret@db/shop" }\nroles:',
    );
    expect(issuesOf(bad)).toEqual([
      "6:30 error inline-secret a password is written inline in the URL at 'connections.db.url' | reference it instead: ${env:NAME} or ${file:PATH}; it is resolved only when the action runs",
    ]);
    const good = BASE.replace(
      'roles:',
      'connections:\n  db: { kind: postgres, url: "postgres://app:${env:DB_PASSWORD}@db/shop" }\nroles:',
    );
    expect(issuesOf(good)).toEqual([]);
  });

  it('recognises well-known credential shapes anywhere in parameters', () => {
    const text = BASE.replace(
      "'echo backup'",
      '\'curl -H "Authorization: Bearer x" https://hooks.slack.com/services/T0001/B0002/abcdefghijkl\'',
    );
    expect(issuesOf(text)[0]).toMatch(
      /^18:22 error inline-secret a Slack webhook URL is written inline at 'phases.0.tasks.1.with.run'/,
    );
  });

  it('accepts an authentication scheme in front of a reference, but not a token written inline', () => {
    const ok = BASE.replace(
      "with: { run: 'echo backup' }",
      "with: { run: 'echo backup', authorization: 'Bearer ${env:TOKEN}' }",
    );
    expect(issuesOf(ok)).toEqual([]);
    const bad = BASE.replace(
      "with: { run: 'echo backup' }",
      "with: { run: 'echo backup', authorization: 'Bearer abc123' }",
    );
    expect(issuesOf(bad)[0]).toContain(
      "inline-secret secret written inline in 'phases.0.tasks.1.with.authorization'",
    );
  });

  it('reports a malformed secret reference', () => {
    const text = BASE.replace("'echo backup'", "'${vault:db}'");
    expect(issuesOf(text)).toEqual([
      "18:22 error bad-secret-ref unknown secret reference '${vault:db}': use ${env:NAME} or ${file:PATH}",
    ]);
  });
});

describe('validate: secrets never reach a shell parser', () => {
  it('refuses a reference in a command line and shows the line rewritten to use an environment variable', () => {
    const text = BASE.replace(
      "with: { run: 'echo backup' }",
      `with: { run: 'pg_dump "\${env:LEGACY_DB_URL}" > x; cat \${file:keys/api-token.txt}' }`,
    );
    expect(issuesOf(text)).toEqual([
      `18:22 error secret-in-command \${env:LEGACY_DB_URL}, \${file:keys/api-token.txt} in a command line would be pasted into shell text; tminus refuses that | write run: 'pg_dump "\${LEGACY_DB_URL}" > x; cat "\${API_TOKEN}"' with env: { LEGACY_DB_URL: '\${env:LEGACY_DB_URL}', API_TOKEN: '\${file:keys/api-token.txt}' } — the command gets the value as an environment variable, never as shell text`,
    ]);
  });

  it('checks smoke suites too, and accepts references under env:', () => {
    const text = BASE.replace(
      "with: { run: 'echo backup' }",
      "with: { run: './smoke.sh --token ${env:T}' }",
    ).replace('action: shell', 'action: smoke');
    expect(issuesOf(text)[0]).toContain('18:22 error secret-in-command ${env:T}');
    const ok = BASE.replace(
      "with: { run: 'echo backup' }",
      `with: { run: 'echo "$T"', env: { T: '\${env:T}' } }`,
    );
    expect(issuesOf(ok)).toEqual([]);
  });
});

describe('validate: reports everything at once', () => {
  it('returns every independent problem in file order', () => {
    const text = BASE.replace('owner: dba', 'owner: dab')
      .replace('action: shell', 'action: shel')
      .replace('after: [stop-jobs]', 'after: [nope]');
    expect(issuesOf(text).map((i) => i.split(' ')[2])).toEqual([
      'unknown-role',
      'unknown-action',
      'unknown-task',
    ]);
  });

  it('reports a plan full of mistakes in one pass: shape, references, ids, cycles and inline secrets', () => {
    const text = [
      'version: 1',
      'name: mistakes',
      'title: A plan full of mistakes',
      'roles:',
      '  lead: { title: Lead, members: [alice] }',
      'connections:',
      "  db: { kind: postgres, url: 'postgres://app:hunter2@db.example/app' }",
      'phases:',
      '  - id: prep',
      '    at: T-30x',
      '    tasks:',
      '      - id: a',
      '        owner: lead',
      '        after: [b]',
      '      - id: b',
      '        owner: lead',
      '        after: [a]',
      '      - id: a',
      '        owner: nobody-role',
      '      - id: probe',
      '        owner: lead',
      '        estimate: 10 minutes',
      '        action: http.check',
      "        with: { url: 'https://x.example', headers: { Authorization: 'Bearer abcdef0123456789abcdef' } }",
      '  - id: go',
      '    at: T-0',
      '    tasks:',
      '      - id: c',
      '        owner: lead',
      '        after: [zzz]',
      '',
    ].join('\n');
    const issues = issuesOf(text);
    expect(issues).toEqual([
      "7:30 error inline-secret a password is written inline in the URL at 'connections.db.url' | reference it instead: ${env:NAME} or ${file:PATH}; it is resolved only when the action runs",
      "10:9 error bad-format 'at': expected an offset from T-0 such as 'T-4h', 'T-1h30m', 'T-0' or 'T+30m', got 'T-30x'",
      '14:16 error dependency-cycle dependency cycle: a → b → a | remove one of the after: links in the cycle',
      "18:13 error duplicate-id duplicate id 'a': a task already has it",
      "19:16 error unknown-role unknown role 'nobody-role' | roles: lead",
      "22:19 error bad-format 'estimate': expected a duration such as '30s', '10m' or '1h30m' (units d, h, m, s in that order), got '10 minutes'",
      "24:69 error inline-secret secret written inline in 'phases.0.tasks.3.with.headers.Authorization' | reference it instead: ${env:NAME} or ${file:PATH}; it is resolved only when the action runs",
      "30:17 error unknown-task unknown task 'zzz' in after:",
    ]);
    expect(text).toContain('hunter2');
    expect(issues.join('\n')).not.toContain('hunter2');
    expect(issues.join('\n')).not.toContain('abcdef0123456789');
  });
});
