import { renderTemplate } from '../../core/conditions/render-template.js';
import { TminusError } from '../../core/tminus-error.js';
import type { ActionContext } from '../../engine/action.js';
import type { NotifyParams } from './notify-params.js';

/** The rendered announcement. */
export interface NotifyMessage {
  readonly title: string;
  readonly message: string;
  /** The values templates could use, also sent to generic webhooks. */
  readonly view: ReturnType<typeof templateView>;
}

/**
 * The values a template may name: `run.*` (id, planName, planTitle, mode, comms, goLive, stepId, stepTitle),
 * `step.*` (id, title), `attempt`, `now` and `vars.*` from the call.
 */
export function templateView(ctx: ActionContext, vars: NotifyParams['vars']) {
  const run = ctx.run;
  return {
    run: {
      id: run.runId,
      planName: run.planName,
      planTitle: run.planTitle,
      mode: run.mode,
      comms: run.comms,
      goLive: new Date(run.goLiveMs).toISOString(),
      stepId: run.stepId,
      stepTitle: run.stepTitle,
    },
    step: { id: run.stepId, title: run.stepTitle },
    attempt: ctx.attempt,
    now: new Date(ctx.clock.now()).toISOString(),
    vars,
  };
}

/** Renders one template, failing (before anything is sent) on names the view does not have. */
export function renderOrThrow(template: string, view: unknown, field: string): string {
  const { text, unknown } = renderTemplate(template, view);
  if (unknown.length > 0) {
    throw new TminusError(
      'INVALID_PARAMS',
      `notify ${field}: unknown template name${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `{{${u}}}`).join(', ')}`,
      {
        hint: 'available: run.planTitle, run.planName, run.mode, run.comms, run.goLive, run.id, step.id, step.title, attempt, now, vars.NAME',
      },
    );
  }
  return text;
}

/** Renders title and message for this run; nothing is sent if a template is wrong. */
export function renderNotifyMessage(ctx: ActionContext, p: NotifyParams): NotifyMessage {
  const view = templateView(ctx, p.vars);
  return {
    title: renderOrThrow(p.title, view, 'title'),
    message: renderOrThrow(p.message, view, 'message'),
    view,
  };
}
