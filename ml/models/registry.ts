// The architecture registry: a table of factories behind `createModel`, as smp's create_model.
import { albunet, type AlbuNetOptions } from './decoders/albunet/model';
import { resnet50unet, scseunet } from './decoders/selim-unet/model';
import { unet34cls, type Unet34ClsOptions } from './decoders/unet/model';
import { unetLight, type UnetLightOptions } from './decoders/unet-light/model';
import type { ArchName, ModelDefinition } from './types';

export type ArchOptions = {
  albunet: AlbuNetOptions;
  unet34cls: Unet34ClsOptions;
  resnet50unet: Record<string, never>;
  scseunet: Record<string, never>;
  'unet-light': UnetLightOptions;
};

const ARCHITECTURES: { [A in ArchName]: (options: ArchOptions[A]) => ModelDefinition } = {
  albunet,
  unet34cls,
  resnet50unet,
  scseunet,
  'unet-light': unetLight,
};

export function architectureNames(): ArchName[] {
  return Object.keys(ARCHITECTURES) as ArchName[];
}

export function isArchName(name: string): name is ArchName {
  return Object.hasOwn(ARCHITECTURES, name);
}

export function createModel<A extends ArchName>(arch: A, options?: ArchOptions[A]): ModelDefinition;
export function createModel(arch: string, options?: Record<string, unknown>): ModelDefinition;
export function createModel(arch: string, options: Record<string, unknown> = {}): ModelDefinition {
  if (!isArchName(arch)) {
    throw new Error(`unknown architecture "${arch}"; valid architectures: ${architectureNames().join(', ')}`);
  }
  const factory = ARCHITECTURES[arch] as (options: Record<string, unknown>) => ModelDefinition;
  return factory(options);
}
