// OHIF-style routes: the worklist at `/`, the viewer at `/viewer/:studyInstanceUid`. A hash router, because the same
// bundle loads from file:// in Electron, where path-based routing has no server to fall back on; a data router, so
// that the viewer can hold a navigation while unsaved edits are asked about (useBlocker).
import { useState } from 'react';
import { createHashRouter, Link, Outlet, RouterProvider } from 'react-router-dom';
import { ExportsRoute } from '../routes/exports/ExportsRoute';
import { PacsRoute } from '../routes/pacs/PacsRoute';
import { exportsPath, pacsPath, settingsPath, viewerRoutePattern, worklistPath } from '../routes/paths';
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
  { path: pacsPath, name: 'PACS page', element: <PacsRoute /> },
];

export function App() {
  // Made once per mounted app, not per module: the router reads the window's location when it is created.
  const [router] = useState(() =>
    createHashRouter([
      {
        element: <AppLayout />,
        children: [
          ...appRoutes.map(({ path, name, element }) => ({ path, element: <RouteErrorBoundary routeName={name}>{element}</RouteErrorBoundary> })),
          { path: '*', element: <NotFound /> },
        ],
      },
    ]),
  );
  return <RouterProvider router={router} />;
}

function AppLayout() {
  return (
    <div className="app">
      <AppHeader />
      <main className="app__main">
        <Outlet />
      </main>
    </div>
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
        <Link to={pacsPath}>PACS</Link>
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
