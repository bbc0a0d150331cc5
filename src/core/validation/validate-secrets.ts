import type { Issue, PathSegment } from './issue.js';
import { error } from './issue.js';
import { commandLineParams } from '../action-types.js';
import { commandLineHint, commandLineSecrets } from '../secrets/command-line-secrets.js';
import { findSecretRefs, isOnlyRefs } from '../secrets/secret-ref.js';
import type { RawPlan } from '../plan/plan-schema.js';

const SECRET_KEY_RE =
  /(pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|credentials?|auth(orization)?|tsig[-_]?key)$/i;
const HINT = 'reference it instead: ${env:NAME} or ${file:PATH}; it is resolved only when the action runs';

/** Well-known shapes of credentials, matched anywhere in a string value. Never echoed back. */
const SECRET_SHAPES: readonly [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/, 'a Slack webhook URL'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}/, 'a GitHub token'],
  [
    /\b[A-Za-z_]*(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY)[A-Za-z_]*=(?!["']?\$)["']?[^\s"'$]{3,}/i,
    'a credential assigned inline',
  ],
];

/** `scheme://user:password@host`: a password in a URL's user-info that is not a reference. */
function urlPassword(value: string): boolean {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]*:([^/@\s]+)@/i.exec(value);
  return match !== null && !isOnlyRefs(match[1]!);
}

/**
 * Finds secrets written inline in a plan and malformed secret references. Messages never include the value.
 */
export function validateSecrets(raw: RawPlan): Issue[] {
  const issues: Issue[] = [];
  const visit = (value: unknown, path: PathSegment[], depth: number): void => {
    if (depth > 64) return; // nothing legitimate nests this deep; the schema bounds the rest
    if (typeof value === 'string') {
      checkString(value, path);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...path, i], depth + 1));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k], depth + 1);
    }
  };
  const checkString = (value: string, path: PathSegment[]) => {
    const { problems } = findSecretRefs(value);
    for (const p of problems) issues.push(error('bad-secret-ref', path, p.message));
    const key = String(path[path.length - 1] ?? '');
    const where = path.join('.');
    if (SECRET_KEY_RE.test(key) && value.trim() !== '' && !isOnlyRefs(value)) {
      issues.push(error('inline-secret', path, `secret written inline in '${where}'`, HINT));
      return;
    }
    if (urlPassword(value)) {
      issues.push(
        error('inline-secret', path, `a password is written inline in the URL at '${where}'`, HINT),
      );
      return;
    }
    for (const [re, what] of SECRET_SHAPES) {
      if (re.test(value)) {
        issues.push(error('inline-secret', path, `${what} is written inline at '${where}'`, HINT));
        return;
      }
    }
  };
  /** A secret reference in a command line a shell parses is refused, with the safe rewrite as the hint. */
  const commandLines = (action: string | undefined, params: unknown, path: PathSegment[]) => {
    if (action === undefined || params === null || typeof params !== 'object') return;
    for (const key of commandLineParams(action)) {
      const line = (params as Record<string, unknown>)[key];
      const rewrite = typeof line === 'string' ? commandLineSecrets(line) : undefined;
      if (!rewrite) continue;
      issues.push(
        error(
          'secret-in-command',
          [...path, key],
          `${rewrite.refs.map((r) => r.text).join(', ')} in a command line would be pasted into shell text; tminus refuses that`,
          commandLineHint(key, rewrite),
        ),
      );
    }
  };
  const call = (action: string | undefined, params: unknown, path: PathSegment[]) => {
    visit(params, path, 0);
    commandLines(action, params, path);
  };
  visit(raw.connections ?? {}, ['connections'], 0);
  raw.phases.forEach((phase, p) =>
    phase.tasks.forEach((t, i) => {
      call(t.action, t.with, ['phases', p, 'tasks', i, 'with']);
      call(t.condition?.action, t.condition?.with, ['phases', p, 'tasks', i, 'condition', 'with']);
    }),
  );
  for (const [category, items] of Object.entries(raw.checklist ?? {})) {
    items.forEach((item, i) =>
      call(item.check?.action, item.check?.with, ['checklist', category, i, 'check', 'with']),
    );
  }
  (raw.monitors ?? []).forEach((m, i) => call(m.action, m.with, ['monitors', i, 'with']));
  (raw.rollback?.steps ?? []).forEach((s, i) => call(s.action, s.with, ['rollback', 'steps', i, 'with']));
  return issues;
}
