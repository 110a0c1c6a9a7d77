// The native folder dialog (Electron's, through `app.pickFolder`): the picked path goes to `onPicked`; a failure
// is kept as a message to show beside the button. A cancelled dialog does nothing.
import { useState } from 'react';
import { useApi } from './api-context';
import { errorMessage } from './error-message';

export function usePickFolder(onPicked: (path: string) => void) {
  const client = useApi();
  const [problem, setProblem] = useState<string | null>(null);
  const pick = async () => {
    setProblem(null);
    try {
      const { path } = await client.invoke('app.pickFolder', {});
      if (path) onPicked(path);
    } catch (error) {
      setProblem(errorMessage(error));
    }
  };
  return { pick, problem };
}
