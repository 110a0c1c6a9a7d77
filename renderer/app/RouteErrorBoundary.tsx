// Each route renders inside one of these, so a failure in the viewer leaves the worklist (and the header) usable.
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { Link } from 'react-router-dom';
import { worklistPath } from '../routes/paths';

type Props = { routeName: string; children: ReactNode };
type State = { error: Error | null };

export class RouteErrorBoundary extends Component<Props, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`The ${this.props.routeName} failed`, error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="route-error" role="alert" data-testid="route-error">
        <h2>The {this.props.routeName} stopped working</h2>
        <p className="route-error__message">{error.message}</p>
        <p>
          <Link to={worklistPath} onClick={() => this.setState({ error: null })}>
            Back to the worklist
          </Link>
        </p>
      </section>
    );
  }
}
