import { useEffect, useRef, useState } from 'preact/hooks';

export interface ReasonRequest {
  readonly title: string;
  readonly detail?: string;
  readonly confirm: string;
  readonly required: boolean;
  /** A word the person must type to confirm (for a rollback). */
  readonly typeToConfirm?: string;
  readonly danger?: boolean;
  readonly onSubmit: (reason: string) => Promise<void>;
}

/** A modal asking why (and, for irreversible steps, for a typed confirmation) before acting. */
export function ReasonDialog({ request, onClose }: { request: ReasonRequest; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  const ok =
    (!request.required || reason.trim().length > 0) &&
    (request.typeToConfirm === undefined || typed.trim() === request.typeToConfirm);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!ok || busy) return;
    setBusy(true);
    try {
      await request.onSubmit(reason.trim());
      onClose();
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <dialog ref={ref} class="dialog" onClose={onClose} aria-labelledby="dialog-title">
      <form onSubmit={submit}>
        <h2 id="dialog-title">{request.title}</h2>
        {request.detail && <p class="muted">{request.detail}</p>}
        <label>
          Reason{request.required ? ' (required)' : ' (optional)'}
          <textarea
            name="reason"
            rows={3}
            value={reason}
            onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
            autoFocus
          />
        </label>
        {request.typeToConfirm !== undefined && (
          <label>
            Type <strong>{request.typeToConfirm}</strong> to confirm
            <input
              name="confirm"
              value={typed}
              onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
              autoComplete="off"
            />
          </label>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog-buttons">
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
          <button type="submit" class={request.danger ? 'danger' : 'primary'} disabled={!ok || busy}>
            {request.confirm}
          </button>
        </div>
      </form>
    </dialog>
  );
}
