"""PyTorch reference modules for the 3rd place's CBAM U-Net and the 5th place's ASPP U-Net, written as nn.Modules
(not from Pleura's IR) so that the IR, the importer and the ONNX export are checked against an independent model.

Usage: torch_3rd_5th.py REQUEST.json. The request lists cases {arch, encoder, seed, state_dict, io, n, h, w}; each
builds the module, fills it with seeded random weights (BatchNorm statistics and affine included), torch.saves its
state_dict, and writes the eval-mode outputs for a seeded image to `io` as JSON {image, logits[, cls_logit]}, each
{shape, values}.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.models.segmentation.deeplabv3 import ASPP

# --- encoders: smp's contract, six features [input, 1/2, 1/4, 1/8, 1/16, 1/32] ---


class ResNet34Encoder(torchvision.models.ResNet):
    """torchvision's resnet34 without its ImageNet classifier (smp's ResNetEncoder)."""

    out_channels = (3, 64, 64, 128, 256, 512)

    def __init__(self):
        super().__init__(torchvision.models.resnet.BasicBlock, [3, 4, 6, 3])
        del self.fc

    def forward(self, x):
        stem = self.relu(self.bn1(self.conv1(x)))
        l1 = self.layer1(self.maxpool(stem))
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return [x, stem, l1, l2, l3, self.layer4(l3)]


class SEModule(nn.Module):
    def __init__(self, channels, reduction):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, channels // reduction, 1)
        self.fc2 = nn.Conv2d(channels // reduction, channels, 1)

    def forward(self, x):
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(F.adaptive_avg_pool2d(x, 1)))))
        return x * s


class SEResNeXtBottleneck(nn.Module):
    """Cadene's pretrainedmodels SEResNeXtBottleneck (groups 32, base width 4)."""

    def __init__(self, inplanes, planes, stride, downsample):
        super().__init__()
        width = (planes * 4 // 64) * 32
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride=stride, padding=1, groups=32, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.se_module = SEModule(planes * 4, 16)
        self.downsample = downsample

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = F.relu(self.bn2(self.conv2(out)))
        out = self.se_module(self.bn3(self.conv3(out)))
        residual = self.downsample(x) if self.downsample is not None else x
        return F.relu(out + residual)


class SEResNeXtEncoder(nn.Module):
    """Cadene's SENet (se_resnext*_32x4d) without avg_pool and last_linear; the stem pools with ceil_mode."""

    out_channels = (3, 64, 256, 512, 1024, 2048)

    def __init__(self, layers):
        super().__init__()
        self.layer0 = nn.Sequential()
        self.layer0.add_module('conv1', nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False))
        self.layer0.add_module('bn1', nn.BatchNorm2d(64))
        self.layer0.add_module('relu1', nn.ReLU())
        self.layer0.add_module('pool', nn.MaxPool2d(3, stride=2, ceil_mode=True))
        inplanes = 64
        for i, (planes, blocks) in enumerate(zip((64, 128, 256, 512), layers)):
            stride = 1 if i == 0 else 2
            downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride=stride, bias=False), nn.BatchNorm2d(planes * 4))
            modules = [SEResNeXtBottleneck(inplanes, planes, stride, downsample)]
            inplanes = planes * 4
            modules += [SEResNeXtBottleneck(inplanes, planes, 1, None) for _ in range(1, blocks)]
            self.add_module(f'layer{i + 1}', nn.Sequential(*modules))

    def forward(self, x):
        stem = self.layer0[:-1](x)
        l1 = self.layer1(self.layer0.pool(stem))
        l2 = self.layer2(l1)
        l3 = self.layer3(l2)
        return [x, stem, l1, l2, l3, self.layer4(l3)]


ENCODERS = {
    'resnet34': ResNet34Encoder,
    'se_resnext50_32x4d': lambda: SEResNeXtEncoder([3, 4, 6, 3]),
    'se_resnext101_32x4d': lambda: SEResNeXtEncoder([3, 4, 23, 3]),
}

# --- decoders ---


class CBAM(nn.Module):
    """Woo et al. 2018 as its equations write it: shared bias-free MLP on avg- and max-pooled vectors, then a
    bias-free 7x7 conv on [channel mean; channel max]."""

    def __init__(self, channels, reduction=16):
        super().__init__()
        self.channel_attention = nn.Module()
        self.channel_attention.fc1 = nn.Conv2d(channels, channels // reduction, 1, bias=False)
        self.channel_attention.fc2 = nn.Conv2d(channels // reduction, channels, 1, bias=False)
        self.spatial_attention = nn.Module()
        self.spatial_attention.conv = nn.Conv2d(2, 1, 7, padding=3, bias=False)

    def forward(self, x):
        ca = self.channel_attention
        mlp = lambda v: ca.fc2(F.relu(ca.fc1(v)))
        x = x * torch.sigmoid(mlp(F.adaptive_avg_pool2d(x, 1)) + mlp(F.adaptive_max_pool2d(x, 1)))
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], 1)
        return x * torch.sigmoid(self.spatial_attention.conv(pooled))


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class DecoderBlock(nn.Module):
    """smp's DecoderBlock: nearest x2, concat the skip, two conv-BN-ReLU, then attention2."""

    def __init__(self, cin, skip, cout, cbam):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)
        self.attention2 = CBAM(cout) if cbam else nn.Identity()

    def forward(self, x, skip):
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        if skip is not None:
            x = torch.cat([x, skip], 1)
        return self.attention2(self.conv2(self.conv1(x)))


class UnetDecoder(nn.Module):
    def __init__(self, encoder_channels, cbam, channels=(256, 128, 64, 32, 16)):
        super().__init__()
        head, *skips = encoder_channels[1:][::-1]
        skips = list(skips) + [0]
        ins = [head] + list(channels[:-1])
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o, cbam) for i, s, o in zip(ins, skips, channels))

    def forward(self, features):
        head, *skips = features[1:][::-1]
        x = head
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


class CbamUnet(nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = ENCODERS[encoder]()
        self.decoder = UnetDecoder(self.encoder.out_channels, cbam=True)
        self.segmentation_head = nn.Sequential(nn.Conv2d(16, 1, 3, padding=1))

    def forward(self, x):
        return {'logits': self.segmentation_head(self.decoder(self.encoder(x)))}


class AsppUnet(nn.Module):
    """ASPP (torchvision's DeepLabV3 module, rates 3/6/9) on the 1/32 features, smp U-Net blocks above it, and two
    classifiers (1x1 convs on the pooled encoder bottleneck and ASPP output) stacked by Linear(2, 1) into cls_logit."""

    def __init__(self, encoder):
        super().__init__()
        self.encoder = ENCODERS[encoder]()
        channels = list(self.encoder.out_channels)
        self.decoder = UnetDecoder(channels[:-1] + [256], cbam=False)
        self.decoder.aspp = ASPP(channels[-1], [3, 6, 9], 256)
        self.segmentation_head = nn.Sequential(nn.Conv2d(16, 1, 3, padding=1))
        self.classification_head = nn.ModuleDict(
            {'bottleneck': nn.Conv2d(channels[-1], 1, 1), 'aspp': nn.Conv2d(256, 1, 1), 'fuse': nn.Linear(2, 1)})

    def forward(self, x):
        features = self.encoder(x)
        bottleneck = self.decoder.aspp(features[-1])
        logits = self.segmentation_head(self.decoder(features[:-1] + [bottleneck]))
        heads = self.classification_head
        votes = [heads['bottleneck'](F.adaptive_avg_pool2d(features[-1], 1)), heads['aspp'](F.adaptive_avg_pool2d(bottleneck, 1))]
        return {'logits': logits, 'cls_logit': heads['fuse'](torch.flatten(torch.cat(votes, 1), 1))}


ARCHS = {'cbam-unet': CbamUnet, 'aspp-unet': AsppUnet}


def randomise(model, generator):
    """He-normal convolutions; BatchNorm statistics and affine drawn away from their defaults (as the TS tests'
    random-weights.ts), so folding BN into the ONNX convolutions is exercised."""
    uniform = lambda t, lo, hi: t.copy_(torch.rand(t.shape, generator=generator) * (hi - lo) + lo)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * (2 / fan_in) ** 0.5)
                if module.bias is not None:
                    uniform(module.bias, -0.1, 0.1)
            elif isinstance(module, nn.BatchNorm2d):
                uniform(module.weight, 0.5, 1.0)
                uniform(module.bias, -0.1, 0.1)
                uniform(module.running_mean, -0.1, 0.1)
                uniform(module.running_var, 0.5, 1.5)
            elif isinstance(module, nn.Linear):
                bound = module.weight.shape[1] ** -0.5
                uniform(module.weight, -bound, bound)
                uniform(module.bias, -bound, bound)


def tensor_json(t):
    return {'shape': list(t.shape), 'values': t.detach().reshape(-1).tolist()}


def run(case):
    generator = torch.Generator().manual_seed(case['seed'])
    model = ARCHS[case['arch']](case['encoder'])
    randomise(model, generator)
    model.eval()
    torch.save(model.state_dict(), case['state_dict'])
    image = torch.rand((case['n'], 3, case['h'], case['w']), generator=generator)
    with torch.no_grad():
        outputs = model(image)
    with open(case['io'], 'w') as f:
        json.dump({'image': tensor_json(image), **{k: tensor_json(v) for k, v in outputs.items()}}, f)


if __name__ == '__main__':
    with open(sys.argv[1]) as f:
        for case in json.load(f)['cases']:
            run(case)
