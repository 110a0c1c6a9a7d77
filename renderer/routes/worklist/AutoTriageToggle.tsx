// The auto-triage setting (settings.autoTriage): when on, images a rescan finds are triaged without asking.
import { useEffect, useState } from 'react';
import { useApi } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';

export function AutoTriageToggle() {
  const client = useApi();
  const [enabled, setEnabled] = useState<boolean | null>(null);
  const [saving, setSaving] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    client.invoke('settings.get', {}).then(
      (settings) => current && setEnabled(settings.autoTriage),
      (error: unknown) => current && setProblem(`Auto-triage setting unavailable: ${errorMessage(error)}`),
    );
    return () => {
      current = false;
    };
  }, [client]);

  const change = async (autoTriage: boolean) => {
    setSaving(true);
    setProblem(null);
    try {
      setEnabled((await client.invoke('settings.update', { autoTriage })).autoTriage);
    } catch (error) {
      setProblem(`Could not change auto-triage: ${errorMessage(error)}`);
    } finally {
      setSaving(false);
    }
  };

  return (
    <label className="auto-triage" title="Triage the new images a rescan finds, without asking">
      <input
        type="checkbox"
        checked={enabled ?? false}
        disabled={enabled === null || saving}
        onChange={(event) => void change(event.target.checked)}
        data-testid="auto-triage-toggle"
      />
      Auto-triage new images
      {problem && (
        <span className="auto-triage__problem" role="alert" data-testid="auto-triage-problem">
          {problem}
        </span>
      )}
    </label>
  );
}
