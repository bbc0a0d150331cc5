import { describe, expect, it } from 'vitest';
import { renderTemplate } from './render-template.js';

describe('renderTemplate', () => {
  const view = { run: { planTitle: 'Shop', mode: 'live', n: 3, ok: false, tags: ['a'] }, empty: null };

  it('replaces dotted names, with spaces allowed inside the braces', () => {
    expect(
      renderTemplate(
        '{{run.planTitle}} ({{ run.mode }}) #{{run.n}} {{run.ok}} {{run.tags}} [{{empty}}]',
        view,
      ),
    ).toEqual({
      text: 'Shop (live) #3 false ["a"] []',
      unknown: [],
    });
  });

  it('reports unknown names once each and leaves them visible', () => {
    expect(renderTemplate('{{run.planTtle}} {{run.planTtle}} {{step.title}}', view)).toEqual({
      text: '{{run.planTtle}} {{run.planTtle}} {{step.title}}',
      unknown: ['run.planTtle', 'step.title'],
    });
  });

  it('does not escape or interpret anything else', () => {
    expect(renderTemplate('<b>{{run.planTitle}}</b> {single} {{ not a name }}', view).text).toBe(
      '<b>Shop</b> {single} {{ not a name }}',
    );
  });

  it('does not reach into inherited properties', () => {
    expect(renderTemplate('{{run.constructor}}', view).unknown).toEqual(['run.constructor']);
  });
});
