'use client';
// The paid export: a form bound to the exportReport server action, showing the report or why it was refused.
import { useActionState } from 'react';
import { exportReport, type ExportState } from './actions';

export function ExportForm() {
  // The form works without JavaScript too: Next.js then renders the page again with the action's result.
  const [state, action, pending] = useActionState<ExportState, FormData>(exportReport, null);
  return (
    <form action={action}>
      <button type="submit" disabled={pending}>
        Export the report (paid)
      </button>
      {state !== null && 'report' in state && (
        <p id="export-result" data-outcome="granted">
          {state.report} (for {state.subjectRef})
        </p>
      )}
      {state !== null && 'error' in state && (
        <p id="export-result" data-outcome={state.error.code} role="alert">
          Refused ({state.error.status} {state.error.code}): {state.error.title}
        </p>
      )}
    </form>
  );
}
