// The settings panel (`/settings`): how triage runs (thresholds, engine, reviewer, auto-triage) beside what this
// machine offers; training a model on local data, watching it train, comparing it with the current model on
// held-out images, promoting or discarding it; and the installed model versions with their cards, any of which can
// be made current again; and the PACS connections.
import { useCallback, useState } from 'react';
import type { ModelEntry, SystemInfo } from '../../../main/api/contract';
import { useApi, useApiQuery, type Loadable } from '../../app/api-context';
import { errorMessage } from '../../app/error-message';
import { ComparisonPanel } from './ComparisonPanel';
import { EnginePanel } from './EnginePanel';
import { cardRule } from './model-card-facts';
import { EnsemblePanel } from './EnsemblePanel';
import { ModelList } from './ModelList';
import { PacsPanel } from './PacsPanel';
import { ThresholdsPanel } from './ThresholdsPanel';
import { TrainingForm, type StartingModel } from './TrainingForm';
import { TrainingStatus } from './TrainingStatus';
import { useTraining } from './use-training';
import { useQuantization } from './use-quantization';
import { useWorkstationSettings } from './use-workstation-settings';
import { IntendedUsePanel } from './IntendedUsePanel';
import { WorkflowPanel } from './WorkflowPanel';
import './settings.css';

export function SettingsRoute() {
  const client = useApi();
  const info = useApiQuery('app.info', {});
  const system = useApiQuery('system.info', {});
  const [modelsRevision, setModelsRevision] = useState(0);
  const refreshModels = useCallback(() => setModelsRevision((r) => r + 1), []);
  const models = useApiQuery('models.list', {}, modelsRevision);
  const training = useTraining(refreshModels);
  const quantization = useQuantization(refreshModels, info.state === 'ok' && info.value.canPickFolder);
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
      <div className="settings__column">
        <TriageSettings system={system} models={models} />
        <section className="settings__panel">
          <h1>Train a model</h1>
          {info.state === 'ok' && models.state !== 'loading' ? (
            <TrainingForm info={info.value} currentModel={startingModel(models)} currentSet={currentSetRef(models)} disabled={active || training.busy || !training.loaded} onStart={training.start} />
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
      </div>
      <div className="settings__column">
        <section className="settings__panel" data-testid="models">
          <h1>Installed models</h1>
          {restoreProblem && <p className="settings__problem" role="alert" data-testid="restore-problem">{restoreProblem}</p>}
          {models.state === 'ok' ? (
            <ModelList models={models.value} busy={restoring} onRestore={restore} quantization={quantization} />
          ) : models.state === 'error' ? (
            <p className="settings__problem" role="alert" data-testid="models-problem">Could not list the models: {models.message}</p>
          ) : (
            <p className="muted">Loading…</p>
          )}
        </section>
        <PacsPanel />
      </div>
    </div>
  );
}

/** The current model a run can start from; none when no usable model is current (or the list could not be read). */
function startingModel(models: Loadable<ModelEntry[]>): StartingModel | null {
  const current = models.state === 'ok' ? models.value.find((model) => model.current) : undefined;
  return current?.card ? { ref: current.ref, arch: current.card.architecture.name, size: current.card.input.size } : null;
}

/** A current model set cannot be fine-tuned as one model: the form says so instead of "no model is current". */
function currentSetRef(models: Loadable<ModelEntry[]>): string | null {
  const current = models.state === 'ok' ? models.value.find((model) => model.current) : undefined;
  return current?.set ? current.ref : null;
}

function TriageSettings({ system, models }: { system: Loadable<SystemInfo>; models: Loadable<ModelEntry[]> }) {
  const { settings, busy, problem, update } = useWorkstationSettings();
  const currentCard = models.state === 'ok' ? (models.value.find((model) => model.current)?.card ?? null) : null;
  return (
    <section className="settings__panel" data-testid="triage-settings">
      <h1>Triage</h1>
      {problem && <p className="settings__problem" role="alert" data-testid="settings-problem">{problem}</p>}
      {settings.state === 'ok' ? (
        <div className="settings__cards">
          <ThresholdsPanel
            setting={settings.value.thresholds}
            presets={system.state === 'ok' ? system.value.rulePresets : null}
            cardRule={currentCard ? cardRule(currentCard) : null}
            busy={busy}
            onSave={(thresholds) => update({ thresholds })}
          />
          <EnginePanel settings={settings.value} system={system} busy={busy} onSave={update} />
          <WorkflowPanel settings={settings.value} busy={busy} onSave={update} />
          <IntendedUsePanel settings={settings.value} busy={busy} onSave={update} />
          {models.state === 'ok' && <EnsemblePanel models={models.value} members={settings.value.ensemble} busy={busy} onSave={update} />}
        </div>
      ) : settings.state === 'error' ? (
        <p className="settings__problem" role="alert" data-testid="settings-load-problem">Could not read the settings: {settings.message}</p>
      ) : (
        <p className="muted">Loading…</p>
      )}
    </section>
  );
}
