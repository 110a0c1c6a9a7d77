import type { CliCommand } from '../run';
import { info } from './info';
import { decode } from './decode';
import { scan } from './scan';
import { serve } from './serve';
import { score } from './score';
import { rle } from './rle';

export const commands: Record<string, CliCommand> = { info, decode, scan, serve, score, rle };
