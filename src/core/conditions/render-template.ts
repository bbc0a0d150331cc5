const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)*)\s*\}\}/g;

/**
 * Renders a message template: every `{{ path.to.value }}` is replaced by that value from `view`
 * (strings as they are, numbers and booleans as text, objects as JSON). Logic-less on purpose: a message
 * at 3 a.m. should read the same as the plan. Unknown names are collected, not silently blanked, so a
 * typo in `{{run.planTtle}}` is reported instead of sending "Cutover of  started".
 *
 * @example renderTemplate('{{run.planTitle}} started', { run: { planTitle: 'Shop' } }).text // 'Shop started'
 */
export function renderTemplate(template: string, view: unknown): { text: string; unknown: string[] } {
  const unknown: string[] = [];
  const text = template.replace(PLACEHOLDER_RE, (placeholder, path: string) => {
    let current: unknown = view;
    for (const key of path.split('.')) {
      if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) {
        unknown.push(path);
        return placeholder;
      }
      current = (current as Record<string, unknown>)[key];
    }
    if (current === undefined || current === null) return '';
    return typeof current === 'object' ? JSON.stringify(current) : String(current as string | number);
  });
  return { text, unknown: [...new Set(unknown)] };
}
