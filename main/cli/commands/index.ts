import type { CliCommand } from '../run';
import { info } from './info';
import { decode } from './decode';
import { scan } from './scan';
import { serve } from './serve';

export const commands: Record<string, CliCommand> = { info, decode, scan, serve };
