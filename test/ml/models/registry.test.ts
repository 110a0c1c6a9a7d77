// The registry's contract and AlbuNet's published size and cost, read off the IR (no forward pass).
import { describe, expect, it } from 'vitest';
import {
  architectureNames,
  countFlops,
  countParameters,
  createModel,
  encoderNames,
  getEncoder,
} from '../../../ml/models';

describe('registry', () => {
  it('lists the five architectures and three encoders', () => {
    expect(architectureNames()).toEqual(['albunet', 'unet34cls', 'resnet50unet', 'scseunet', 'unet-light']);
    expect(encoderNames()).toEqual(['resnet34', 'resnet50', 'se_resnext50_32x4d']);
  });

  it('rejects unknown names, listing the valid ones', () => {
    expect(() => createModel('unet++')).toThrow(/unknown architecture "unet\+\+"; valid architectures: albunet, unet34cls, resnet50unet, scseunet, unet-light/);
    expect(() => getEncoder('resnet18')).toThrow(/unknown encoder "resnet18"; valid encoders: resnet34, resnet50, se_resnext50_32x4d/);
  });

  it('records the input normalisation science.md gives each model', () => {
    expect(createModel('albunet').metadata.normalization).toBe('none');
    expect(createModel('scseunet').metadata.normalization).toBe('none');
    expect(createModel('resnet50unet').metadata.normalization).toBe('imagenet');
  });

  it('defaults unet34cls to a frozen-BatchNorm encoder, and lets it train', () => {
    expect(createModel('unet34cls').metadata.encoderBatchNorm).toBe('frozen');
    expect(createModel('unet34cls', { frozenBatchNorm: false }).metadata.encoderBatchNorm).toBe('train');
  });
});

describe('AlbuNet', () => {
  const albunet = createModel('albunet');

  it('has 35.1 M parameters at nf 32, shared modules counted once (torchvision fc included)', () => {
    expect(countParameters(albunet.graph)).toBe(35_117_897);
  });

  it('costs 253 GFLOP per 512x512 image and 1,011 at 1024x1024 (convolutions, 2 FLOP per multiply-add)', () => {
    expect(countFlops(albunet.graph, { height: 512, width: 512 }).conv / 1e9).toBeCloseTo(253, 0);
    expect(countFlops(albunet.graph, { height: 1024, width: 1024 }).conv / 1e9).toBeCloseTo(1011, 0);
  });

  it('scales its decoder with nf', () => {
    expect(countParameters(createModel('albunet', { nf: 16 }).graph)).toBeLessThan(countParameters(albunet.graph));
  });

  it("uses the state_dict names of ternausnets' AlbuNet", () => {
    const names = albunet.graph.params.map((p) => p.name);
    for (const name of [
      'encoder.conv1.weight',
      'encoder.bn1.running_var',
      'encoder.layer1.0.conv1.weight',
      'encoder.layer2.0.downsample.0.weight',
      'encoder.fc.weight',
      'center.block.1.conv.weight',
      'center.block.2.conv.bias',
      'dec5.block.1.conv.weight',
      'dec1.block.2.conv.bias',
      'dec0.conv.weight',
      'final.weight',
      'final.bias',
    ]) {
      expect(names).toContain(name);
    }
    expect(names.filter((n) => n.startsWith('dec') || n.startsWith('center')).every((n) => /\.(block\.[12]\.)?conv\./.test(n))).toBe(true);
  });

  it('maps the shared-module duplicates of the state_dict to the encoder tensors', () => {
    expect(albunet.graph.aliases['conv1.0.weight']).toBe('encoder.conv1.weight');
    expect(albunet.graph.aliases['conv1.1.running_mean']).toBe('encoder.bn1.running_mean');
    expect(albunet.graph.aliases['conv2.0.conv1.weight']).toBe('encoder.layer1.0.conv1.weight');
    expect(albunet.graph.aliases['conv5.2.bn2.bias']).toBe('encoder.layer4.2.bn2.bias');
  });
});

describe('naming of the other models', () => {
  it('unet34cls follows smp (24,436,369 parameters for smp Unet resnet34, plus Linear(512, 1))', () => {
    const { graph } = createModel('unet34cls');
    expect(countParameters(graph)).toBe(24_436_369 + 513);
    const names = graph.params.map((p) => p.name);
    for (const name of ['decoder.blocks.0.conv1.0.weight', 'decoder.blocks.4.conv2.1.running_mean', 'segmentation_head.0.bias', 'classification_head.3.weight']) {
      expect(names).toContain(name);
    }
    expect(names).not.toContain('encoder.fc.weight');
  });

  it('the selim-zoo models use encoder_stages / decoder_stages / bottlenecks', () => {
    const resnet50 = createModel('resnet50unet').graph.params.map((p) => p.name);
    for (const name of ['encoder_stages.0.0.weight', 'encoder_stages.0.1.running_var', 'encoder_stages.1.1.0.conv3.weight', 'encoder_stages.4.2.bn3.bias', 'decoder_stages.3.layer.1.weight', 'bottlenecks.0.seq.0.weight', 'last_upsample.layer.1.bias', 'final.0.weight']) {
      expect(resnet50).toContain(name);
    }
    const scse = createModel('scseunet').graph.params.map((p) => p.name);
    for (const name of ['encoder_stages.0.conv1.weight', 'encoder_stages.1.1.0.se_module.fc1.weight', 'encoder_stages.2.0.conv2.weight', 'bottlenecks.3.seq.2.fc2.bias', 'bottlenecks.0.seq.2.spatial_se.0.weight']) {
      expect(scse).toContain(name);
    }
    expect(scse).not.toContain('bottlenecks.0.seq.2.spatial_se.0.bias');
  });
});

describe('unet-light', () => {
  it('stays small enough to ship in git and train on two cores: 1.97 M parameters, no ImageNet normalisation', () => {
    const light = createModel('unet-light');
    expect(countParameters(light.graph)).toBe(1_968_897);
    expect(light.metadata.normalization).toBe('none');
    expect(light.metadata.outputNames).toEqual(['logits']);
  });
});
