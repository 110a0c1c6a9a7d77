// OHIF-style routes: the worklist at `/`, the viewer at `/viewer/:studyInstanceUid`. HashRouter, because the same
// bundle loads from file:// in Electron, where path-based routing has no server to fall back on.
import { HashRouter, Link, Route, Routes } from 'react-router-dom';
import { ExportsRoute } from '../routes/exports/ExportsRoute';
import { exportsPath, settingsPath, viewerRoutePattern, worklistPath } from '../routes/paths';
import { SettingsRoute } from '../routes/settings/SettingsRoute';
import { ViewerRoute } from '../routes/viewer/ViewerRoute';
import { WorklistRoute } from '../routes/worklist/WorklistRoute';
import { useApiQuery } from './api-context';
import { RouteErrorBoundary } from './RouteErrorBoundary';

// Each route renders inside its own error boundary: a failing viewer leaves the header and worklist usable.
const appRoutes = [
  { path: worklistPath, name: 'worklist', element: <WorklistRoute /> },
  { path: viewerRoutePattern, name: 'viewer', element: <ViewerRoute /> },
  { path: settingsPath, name: 'settings', element: <SettingsRoute /> },
  { path: exportsPath, name: 'exports', element: <ExportsRoute /> },
];

export function App() {
  return (
    <HashRouter>
      <div className="app">
        <AppHeader />
        <main className="app__main">
          <Routes>
            {appRoutes.map(({ path, name, element }) => (
              <Route key={path} path={path} element={<RouteErrorBoundary routeName={name}>{element}</RouteErrorBoundary>} />
            ))}
            <Route path="*" element={<NotFound />} />
          </Routes>
        </main>
      </div>
    </HashRouter>
  );
}

function AppHeader() {
  const info = useApiQuery('app.info', {});
  return (
    <header className="app__header">
      <Link to={worklistPath} className="app__brand">
        Pleura
      </Link>
      <nav className="app__nav">
        <Link to={worklistPath}>Worklist</Link>
        <Link to={exportsPath}>Exports</Link>
        <Link to={settingsPath}>Settings</Link>
      </nav>
      <span className="app__version" data-testid="app-version">
        {info.state === 'ok' ? `${info.value.shell} · v${info.value.version}` : info.state === 'error' ? 'offline' : ''}
      </span>
    </header>
  );
}

function NotFound() {
  return (
    <section className="route-error">
      <h2>Nothing here</h2>
      <p>
        <Link to={worklistPath}>Back to the worklist</Link>
      </p>
    </section>
  );
}
