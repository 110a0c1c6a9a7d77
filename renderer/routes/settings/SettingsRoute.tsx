// The settings panel (`/settings`): train a model on local data, watch it train, compare it with the current model
// on held-out images, promote or discard it; and the installed model versions, any of which can be made current.
import { useCallback, useState } from 'react';
import { useApi, useApiQuery } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { ComparisonPanel } from './ComparisonPanel';
import { ModelList } from './ModelList';
import { TrainingForm } from './TrainingForm';
import { TrainingStatus } from './TrainingStatus';
import { useTraining } from './use-training';
import './settings.css';

export function SettingsRoute() {
  const client = useApi();
  const info = useApiQuery('app.info', {});
  const [modelsRevision, setModelsRevision] = useState(0);
  const refreshModels = useCallback(() => setModelsRevision((r) => r + 1), []);
  const models = useApiQuery('models.list', {}, modelsRevision);
  const training = useTraining(refreshModels);
  const [restoreProblem, setRestoreProblem] = useState<string | null>(null);
  const [restoring, setRestoring] = useState(false);

  const restore = async (ref: string) => {
    setRestoring(true);
    setRestoreProblem(null);
    try {
      await client.invoke('models.restore', { ref });
    } catch (error) {
      setRestoreProblem(`Could not restore ${ref}: ${errorMessage(error)}`);
    } finally {
      setRestoring(false);
      refreshModels();
    }
  };

  const { run } = training;
  const active = run !== null && ['running', 'cancelling', 'comparing'].includes(run.state);
  return (
    <div className="settings" data-testid="settings">
      <section className="settings__panel">
        <h1>Train a model</h1>
        {info.state === 'ok' ? (
          <TrainingForm info={info.value} disabled={active || training.busy || !training.loaded} onStart={training.start} />
        ) : info.state === 'error' ? (
          <p className="settings__problem" role="alert">{info.message}</p>
        ) : null}
        {training.problem && (
          <p className="settings__problem" role="alert" data-testid="training-problem">
            {training.problem}
          </p>
        )}
        {run && <TrainingStatus run={run} busy={training.busy} onCancel={training.cancel} onResume={training.resume} />}
        {run?.state === 'finished' && <ComparisonPanel run={run} busy={training.busy} onPromote={training.promote} onDiscard={training.discard} />}
      </section>
      <section className="settings__panel" data-testid="models">
        <h1>Installed models</h1>
        {restoreProblem && <p className="settings__problem" role="alert" data-testid="restore-problem">{restoreProblem}</p>}
        {models.state === 'ok' ? (
          <ModelList models={models.value} busy={restoring} onRestore={restore} />
        ) : models.state === 'error' ? (
          <p className="settings__problem" role="alert" data-testid="models-problem">Could not list the models: {models.message}</p>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
    </div>
  );
}
