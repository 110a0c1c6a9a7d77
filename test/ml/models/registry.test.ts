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
import { GraphBuilder } from '../../../ml/models/builder';
import type { EncoderOptions } from '../../../ml/models/encoders';

describe('registry', () => {
  it('lists the architectures and encoders', () => {
    expect(architectureNames()).toEqual(expect.arrayContaining(['albunet', 'unet34cls', 'resnet50unet', 'scseunet', 'unet-light', 'multitask-unet', 'deeplabv3-resnet50', 'deeplabv3-resnet101', 'cbam-unet', 'aspp-unet']));
    expect(encoderNames()).toEqual(['resnet34', 'resnet50', 'resnet101', 'se_resnext50_32x4d', 'se_resnext101_32x4d', 'efficientnet_b3', 'efficientnet_b5']);
  });

  it('rejects unknown names, listing the valid ones', () => {
    expect(() => createModel('unet++')).toThrow(/unknown architecture "unet\+\+"; valid architectures: albunet, unet34cls, resnet50unet, scseunet, unet-light/);
    expect(() => getEncoder('resnet18')).toThrow(/unknown encoder "resnet18"; valid encoders: resnet34, resnet50, resnet101, se_resnext50_32x4d, se_resnext101_32x4d, efficientnet_b3, efficientnet_b5/);
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

describe('3rd and 5th place models', () => {
  // Parameter counts match sum(p.numel()) of the nn.Modules in torch_3rd_5th.py; smp's Unet resnet34 is 24,436,369.
  it.each([
    ['cbam-unet', 'resnet34', 24_447_771, 62.58, 250.32],
    ['cbam-unet', 'se_resnext50_32x4d', 34_535_371, 86.61, 346.43],
    ['aspp-unet', 'se_resnext50_32x4d', 45_932_614, 85.77, 343.07],
    ['aspp-unet', 'se_resnext101_32x4d', 67_328_134, 124.85, 499.37],
  ] as const)('%s on %s: %i parameters, %f GFLOP at 512x512 and %f at 1024x1024 (convolutions)', (arch, encoder, params, at512, at1024) => {
    const { graph, metadata } = createModel(arch, { encoder });
    expect(metadata.encoder).toBe(encoder);
    expect(metadata.options).toEqual({ encoder });
    expect(countParameters(graph)).toBe(params);
    expect(countFlops(graph, { height: 512, width: 512 }).conv / 1e9).toBeCloseTo(at512, 2);
    expect(countFlops(graph, { height: 1024, width: 1024 }).conv / 1e9).toBeCloseTo(at1024, 2);
  });

  it('cbam-unet: CBAM after every decoder block, one bias-free MLP for both pools and a bias-free 7x7 spatial conv', () => {
    const { graph, metadata } = createModel('cbam-unet');
    expect(metadata).toMatchObject({ encoder: 'resnet34', outputNames: ['logits'] });
    const names = graph.params.map((p) => p.name);
    const attention = names.filter((n) => n.includes('.attention2.'));
    expect(attention).toHaveLength(5 * 3);
    expect(graph.params.find((p) => p.name === 'decoder.blocks.0.attention2.channel_attention.fc1.weight')?.shape).toEqual([16, 256, 1, 1]);
    expect(graph.params.find((p) => p.name === 'decoder.blocks.4.attention2.spatial_attention.conv.weight')?.shape).toEqual([1, 2, 7, 7]);
    // the MLP's convolutions each run twice (average- and max-pooled vector) on the same tensors
    const fc1Reads = graph.nodes.filter((n) => n.op === 'conv2d' && n.weight === 'decoder.blocks.2.attention2.channel_attention.fc1.weight');
    expect(fc1Reads).toHaveLength(2);
    expect(graph.nodes.filter((n) => n.op === 'globalMaxPool' || n.op === 'channelMax')).toHaveLength(10);
    expect(names.some((n) => n.startsWith('encoder.fc.'))).toBe(false);
  });

  it('aspp-unet: ASPP rates 3/6/9 on the 1/32 features with an image-pooling branch, two classifiers fused', () => {
    const { graph, metadata } = createModel('aspp-unet');
    expect(metadata).toMatchObject({ encoder: 'se_resnext50_32x4d', outputNames: ['logits', 'cls_logit'] });
    const convs = graph.nodes.flatMap((n) => (n.op === 'conv2d' && n.weight.startsWith('decoder.aspp.') ? [n] : []));
    expect(convs.map((n) => [n.weight, n.kernel[0], n.dilation[0], n.pad[0], n.inChannels, n.outChannels])).toEqual([
      ['decoder.aspp.convs.0.0.weight', 1, 1, 0, 2048, 256],
      ['decoder.aspp.convs.1.0.weight', 3, 3, 3, 2048, 256],
      ['decoder.aspp.convs.2.0.weight', 3, 6, 6, 2048, 256],
      ['decoder.aspp.convs.3.0.weight', 3, 9, 9, 2048, 256],
      ['decoder.aspp.convs.4.1.weight', 1, 1, 0, 2048, 256],
      ['decoder.aspp.project.0.weight', 1, 1, 0, 1280, 256],
    ]);
    expect(graph.nodes.filter((n) => n.op === 'expandSpatial')).toHaveLength(1);
    expect(graph.params.find((p) => p.name === 'classification_head.fuse.weight')?.shape).toEqual([1, 2]);
    expect(graph.params.find((p) => p.name === 'classification_head.aspp.weight')?.shape).toEqual([1, 256, 1, 1]);
  });

  it('rejects an encoder the architecture was not built with, and unknown options, naming what is allowed', () => {
    expect(() => createModel('cbam-unet', { encoder: 'resnet50' })).toThrow(/invalid cbam-unet options.*"resnet34"\|"se_resnext50_32x4d"/s);
    expect(() => createModel('aspp-unet', { encoder: 'resnet34' })).toThrow(/invalid aspp-unet options.*"se_resnext50_32x4d"\|"se_resnext101_32x4d"/s);
    expect(() => createModel('aspp-unet', { encoder: 'se_resnext50_32x4d', rates: '6,12,18' })).toThrow(/Unrecognized key: "rates"/);
  });
});

describe('2nd place models', () => {
  // Totals are torchvision's (deeplabv3_resnet50/101 with num_classes=1, aux_loss=False) and sum(p.numel()) of the
  // U-Nets in torch_parity_2nd.py; the encoders' shares are Cadene's se_resnext50/101_32x4d totals (27,559,896 and
  // 48,955,416) less last_linear (2,049,000), and torchvision's efficientnet_b3/b5 `features[:8]`.
  const encoderShare = (graph: ReturnType<typeof createModel>['graph']) =>
    graph.params.filter((p) => p.part === 'encoder' && p.role === 'parameter').reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);

  it.each([
    ['multitask-unet', { encoder: 'se_resnext50_32x4d' }, 34_526_018, 27_559_896 - 2_049_000, 86.54, 346.15],
    ['multitask-unet', { encoder: 'se_resnext101_32x4d' }, 55_921_538, 48_955_416 - 2_049_000, 125.62, 502.45],
    ['multitask-unet', { encoder: 'efficientnet_b3' }, 12_566_522, 10_103_336, 30.53, 122.09],
    ['multitask-unet', { encoder: 'efficientnet_b5' }, 30_163_842, 27_288_112, 46.22, 184.84],
    ['multitask-unet', { encoder: 'efficientnet_b5', classifier: false }, 30_163_329, 27_288_112, 46.22, 184.84],
    ['deeplabv3-resnet50', {}, 39_633_729, 23_508_032, 327.12, 1308.46],
    ['deeplabv3-resnet101', {}, 58_625_857, 42_500_160, 482.27, 1929.09],
  ] as const)('%s %o: %i parameters (encoder %i), %f GFLOP at 512x512 and %f at 1024x1024 (convolutions)', (arch, options, params, encoder, at512, at1024) => {
    const { graph } = createModel(arch, options);
    expect(countParameters(graph)).toBe(params);
    expect(encoderShare(graph)).toBe(encoder);
    expect(countFlops(graph, { height: 512, width: 512 }).conv / 1e9).toBeCloseTo(at512, 2);
    expect(countFlops(graph, { height: 1024, width: 1024 }).conv / 1e9).toBeCloseTo(at1024, 2);
  });

  it('multitask-unet: smp names, the classification branch optional, ImageNet input, every encoder option recorded', () => {
    const { graph, metadata } = createModel('multitask-unet', { encoder: 'se_resnext101_32x4d' });
    expect(metadata).toMatchObject({ encoder: 'se_resnext101_32x4d', normalization: 'imagenet', inputMultiple: 32, outputNames: ['logits', 'cls_logit'], encoderBatchNorm: 'train' });
    expect(metadata.options).toEqual({ encoder: 'se_resnext101_32x4d', classifier: true });
    const names = graph.params.map((p) => p.name);
    for (const name of ['encoder.layer0.conv1.weight', 'encoder.layer3.22.se_module.fc2.bias', 'decoder.blocks.0.conv1.0.weight', 'segmentation_head.0.bias', 'classification_head.3.weight']) {
      expect(names).toContain(name);
    }
    expect(names.some((n) => n.includes('last_linear'))).toBe(false);
    const segmentationOnly = createModel('multitask-unet', { classifier: false });
    expect(segmentationOnly.metadata).toMatchObject({ encoder: 'se_resnext50_32x4d', outputNames: ['logits'], options: { encoder: 'se_resnext50_32x4d', classifier: false } });
    expect(segmentationOnly.graph.params.some((p) => p.name.startsWith('classification_head'))).toBe(false);
  });

  it("EfficientNet: torchvision's block layout and names, features taken at features.0/2/3/5/7, B5's BatchNorm eps and momentum", () => {
    const b3 = createModel('multitask-unet', { encoder: 'efficientnet_b3' }).graph;
    const shape = (name: string) => b3.params.find((p) => p.name === name)?.shape;
    expect(getEncoder('efficientnet_b3').outChannels).toEqual([3, 40, 32, 48, 136, 384]);
    expect(getEncoder('efficientnet_b5').outChannels).toEqual([3, 48, 40, 64, 176, 512]);
    expect(shape('encoder.features.0.0.weight')).toEqual([40, 3, 3, 3]);
    // expansion 1: no expand conv, so block.0 is the depthwise conv and the SE squeezes to 40 // 4
    expect(shape('encoder.features.1.0.block.0.0.weight')).toEqual([40, 1, 3, 3]);
    expect(shape('encoder.features.1.0.block.1.fc1.weight')).toEqual([10, 40, 1, 1]);
    expect(shape('encoder.features.1.1.block.2.0.weight')).toEqual([24, 24, 1, 1]);
    // expansion 6: expand, depthwise 5x5, SE to input // 4, project
    expect(shape('encoder.features.3.0.block.0.0.weight')).toEqual([192, 32, 1, 1]);
    expect(shape('encoder.features.3.0.block.1.0.weight')).toEqual([192, 1, 5, 5]);
    expect(shape('encoder.features.3.0.block.2.fc1.weight')).toEqual([8, 192, 1, 1]);
    expect(shape('encoder.features.7.1.block.3.1.running_var')).toEqual([384]);
    expect(b3.params.some((p) => p.name.startsWith('encoder.features.8.') || p.name.startsWith('encoder.classifier'))).toBe(false);
    // the decoder's skips: the stem and the last stage at each scale
    const decoderInputs = createModel('multitask-unet', { encoder: 'efficientnet_b3' }).graph.nodes
      .filter((n) => n.op === 'conv2d' && /^decoder\.blocks\.\d\.conv1\.0\.weight$/.test(n.weight))
      .map((n) => (n.op === 'conv2d' ? n.inChannels : 0));
    expect(decoderInputs).toEqual([384 + 136, 256 + 48, 128 + 32, 64 + 40, 32]);
    const batchNorms = (g: typeof b3) => g.nodes.filter((n) => n.op === 'batchNorm' && n.weight.startsWith('encoder.'));
    expect(new Set(batchNorms(b3).map((n) => (n.op === 'batchNorm' ? `${n.eps}/${n.momentum}` : '')))).toEqual(new Set(['0.00001/0.1']));
    const b5 = createModel('multitask-unet', { encoder: 'efficientnet_b5' }).graph;
    expect(new Set(batchNorms(b5).map((n) => (n.op === 'batchNorm' ? `${n.eps}/${n.momentum}` : '')))).toEqual(new Set(['0.001/0.01']));
    // the stem's; the depthwise conv's and the SE's in each of the 26 blocks; the expand conv's in 24 of them
    expect(b3.nodes.filter((n) => n.op === 'silu')).toHaveLength(1 + 26 * 2 + 24);
  });

  it("deeplabv3: torchvision's names, layer3/layer4 dilated as replace_stride_with_dilation=[False, True, True], ASPP 12/24/36", () => {
    const { graph, metadata } = createModel('deeplabv3-resnet50');
    expect(metadata).toMatchObject({ encoder: 'resnet50', normalization: 'imagenet', inputMultiple: 8, outputNames: ['logits'] });
    const conv = (weight: string) => {
      const node = graph.nodes.find((n) => n.op === 'conv2d' && n.weight === weight);
      return node?.op === 'conv2d' ? [node.stride[0], node.dilation[0], node.pad[0]] : null;
    };
    expect(conv('backbone.layer2.0.conv2.weight')).toEqual([2, 1, 1]);
    expect(conv('backbone.layer3.0.conv2.weight')).toEqual([1, 1, 1]);
    expect(conv('backbone.layer3.0.downsample.0.weight')).toEqual([1, 1, 0]);
    expect(conv('backbone.layer3.5.conv2.weight')).toEqual([1, 2, 2]);
    expect(conv('backbone.layer4.0.conv2.weight')).toEqual([1, 2, 2]);
    expect(conv('backbone.layer4.2.conv2.weight')).toEqual([1, 4, 4]);
    expect(conv('classifier.0.convs.0.0.weight')).toEqual([1, 1, 0]);
    expect([1, 2, 3].map((i) => conv(`classifier.0.convs.${i}.0.weight`))).toEqual([[1, 12, 12], [1, 24, 24], [1, 36, 36]]);
    expect(conv('classifier.0.convs.4.1.weight')).toEqual([1, 1, 0]);
    expect(conv('classifier.0.project.0.weight')).toEqual([1, 1, 0]);
    expect(conv('classifier.1.weight')).toEqual([1, 1, 1]);
    expect(conv('classifier.4.weight')).toEqual([1, 1, 0]);
    expect(graph.params.find((p) => p.name === 'classifier.0.project.0.weight')?.shape).toEqual([256, 1280, 1, 1]);
    expect(graph.params.some((p) => p.name.startsWith('backbone.fc.'))).toBe(false);
    expect(graph.nodes.filter((n) => n.op === 'expandSpatial')).toHaveLength(1);
    const last = graph.nodes[graph.nodes.length - 1];
    expect(last).toMatchObject({ op: 'upsample', mode: 'bilinear', scale: 8 });
    expect(createModel('deeplabv3-resnet101').graph.params.some((p) => p.name === 'backbone.layer3.22.bn3.running_mean')).toBe(true);
  });

  it('refuses what an encoder or architecture cannot be, naming what is allowed', () => {
    expect(() => createModel('multitask-unet', { encoder: 'resnet34' } as never)).toThrow(
      /invalid multitask-unet options.*"se_resnext50_32x4d"\|"se_resnext101_32x4d"\|"efficientnet_b3"\|"efficientnet_b5"/s,
    );
    expect(() => createModel('multitask-unet', { classifier: 'yes' } as never)).toThrow(/invalid multitask-unet options/);
    const build = (name: string, options: Partial<EncoderOptions>) => getEncoder(name).build(new GraphBuilder(), { name: 'image', channels: 3 }, { names: (p) => p, ...options });
    expect(() => build('resnet34', { replaceStrideWithDilation: [false, true, true] })).toThrow(/BasicBlock does not support dilation/);
    expect(() => build('se_resnext101_32x4d', { replaceStrideWithDilation: [false, false, true] })).toThrow(/se_resnext101_32x4d does not support replaceStrideWithDilation/);
    expect(() => build('efficientnet_b5', { stemPool: 'max2x2' })).toThrow(/efficientnet_b5 has no stem pool/);
    expect(() => build('efficientnet_b3', { keepClassifier: true })).toThrow(/without its head conv/);
  });
});
