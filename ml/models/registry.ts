// The architecture registry: a table of factories behind `createModel`, as smp's create_model.
import { albunet, type AlbuNetOptions } from './decoders/albunet/model';
import { asppUnet, type AsppUnetOptions } from './decoders/aspp-unet/model';
import { cbamUnet, type CbamUnetOptions } from './decoders/cbam-unet/model';
import { deeplabv3Resnet101, deeplabv3Resnet50, type DeepLabV3Options } from './decoders/deeplabv3/model';
import { resnet50unet, scseunet } from './decoders/selim-unet/model';
import { multitaskUnet, unet34cls, type MultitaskUnetOptions, type Unet34ClsOptions } from './decoders/unet/model';
import { unetLight, type UnetLightOptions } from './decoders/unet-light/model';
import type { ArchName, ModelDefinition } from './types';

export type ArchOptions = {
  albunet: AlbuNetOptions;
  unet34cls: Unet34ClsOptions;
  resnet50unet: Record<string, never>;
  scseunet: Record<string, never>;
  'unet-light': UnetLightOptions;
  'cbam-unet': CbamUnetOptions;
  'aspp-unet': AsppUnetOptions;
  'multitask-unet': MultitaskUnetOptions;
  'deeplabv3-resnet50': DeepLabV3Options;
  'deeplabv3-resnet101': DeepLabV3Options;
};

const ARCHITECTURES: { [A in ArchName]: (options: ArchOptions[A]) => ModelDefinition } = {
  albunet,
  unet34cls,
  resnet50unet,
  scseunet,
  'unet-light': unetLight,
  'cbam-unet': cbamUnet,
  'aspp-unet': asppUnet,
  'multitask-unet': multitaskUnet,
  'deeplabv3-resnet50': deeplabv3Resnet50,
  'deeplabv3-resnet101': deeplabv3Resnet101,
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
