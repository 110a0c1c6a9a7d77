# The PyTorch side of test/ml/models/torch-parity-2nd.test.ts: the 2nd place's architectures as PyTorch builds them,
# with seeded random weights and non-trivial BatchNorm running statistics, in eval mode.
#   torch_parity_2nd.py OUT_DIR CASE [CASE …]
# For each case: torch.save(model.state_dict()) to OUT_DIR/CASE.pth, the input to OUT_DIR/CASE.input.bin and each
# output to OUT_DIR/CASE.<output>.bin (raw little-endian float32, NCHW); OUT_DIR/CASE.json lists their shapes.
# Cases:
#   deeplabv3_resnet50    torchvision.models.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None,
#                         num_classes=1, aux_loss=False)
#   unet_efficientnet_b3  the multi-task U-Net below on torchvision's efficientnet_b3().features
#   unet_efficientnet_b5  the same U-Net without its classification branch on efficientnet_b5().features
#   unet_se_resnext101    the multi-task U-Net on Cadene's se_resnext101_32x4d (its code below)
import json, math, sys
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn
import torchvision

SIZE = 64


# ---- Cadene's pretrainedmodels/models/senet.py (SEModule, SEResNeXtBottleneck, SENet), the parts an encoder uses;
# module names as there. se_resnext101_32x4d = SENet(SEResNeXtBottleneck, [3, 4, 23, 3], groups=32, reduction=16,
# dropout_p=None, inplanes=64, input_3x3=False, downsample_kernel_size=1, downsample_padding=0).

class SEModule(nn.Module):
    def __init__(self, channels, reduction):
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, channels // reduction, kernel_size=1, padding=0)
        self.relu = nn.ReLU(inplace=True)
        self.fc2 = nn.Conv2d(channels // reduction, channels, kernel_size=1, padding=0)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        module_input = x
        x = self.avg_pool(x)
        x = self.fc1(x)
        x = self.relu(x)
        x = self.fc2(x)
        x = self.sigmoid(x)
        return module_input * x


class SEResNeXtBottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, groups, reduction, stride=1, downsample=None, base_width=4):
        super().__init__()
        width = math.floor(planes * (base_width / 64)) * groups
        self.conv1 = nn.Conv2d(inplanes, width, kernel_size=1, bias=False, stride=1)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, kernel_size=3, stride=stride, padding=1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, kernel_size=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.se_module = SEModule(planes * 4, reduction=reduction)
        self.downsample = downsample
        self.stride = stride

    def forward(self, x):
        residual = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.downsample is not None:
            residual = self.downsample(x)
        out = self.se_module(out) + residual
        return self.relu(out)


class SENetEncoder(nn.Module):
    """Cadene's SENet up to layer4 (smp's SENetEncoder drops last_linear and avg_pool); forward returns smp's six
    features: the input, layer0 before its pool (1/2), layer1 after it (1/4), layer2 … layer4."""

    def __init__(self, block, layers, groups, reduction, inplanes=64, downsample_kernel_size=1, downsample_padding=0):
        super().__init__()
        self.inplanes = inplanes
        layer0_modules = [
            ('conv1', nn.Conv2d(3, inplanes, kernel_size=7, stride=2, padding=3, bias=False)),
            ('bn1', nn.BatchNorm2d(inplanes)),
            ('relu1', nn.ReLU(inplace=True)),
            ('pool', nn.MaxPool2d(3, stride=2, ceil_mode=True)),
        ]
        self.layer0 = nn.Sequential(OrderedDict(layer0_modules))
        self.layer1 = self._make_layer(block, 64, layers[0], groups, reduction, 1, 1, 0)
        self.layer2 = self._make_layer(block, 128, layers[1], groups, reduction, 2, downsample_kernel_size, downsample_padding)
        self.layer3 = self._make_layer(block, 256, layers[2], groups, reduction, 2, downsample_kernel_size, downsample_padding)
        self.layer4 = self._make_layer(block, 512, layers[3], groups, reduction, 2, downsample_kernel_size, downsample_padding)

    def _make_layer(self, block, planes, blocks, groups, reduction, stride, downsample_kernel_size, downsample_padding):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, kernel_size=downsample_kernel_size, stride=stride,
                          padding=downsample_padding, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, groups, reduction, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, groups, reduction))
        return nn.Sequential(*layers)

    def forward(self, x):
        stem = self.layer0.relu1(self.layer0.bn1(self.layer0.conv1(x)))
        c2 = self.layer1(self.layer0.pool(stem))
        c3 = self.layer2(c2)
        c4 = self.layer3(c3)
        return [x, stem, c2, c3, c4, self.layer4(c4)]


def se_resnext101_32x4d_encoder():
    return SENetEncoder(SEResNeXtBottleneck, [3, 4, 23, 3], groups=32, reduction=16)


class EfficientNetEncoder(nn.Module):
    """torchvision's EfficientNet `features` without the head conv (features.8); smp's features: the input, the
    stem (features.0, 1/2), and the ends of features.2, .3, .5 and .7 (1/4 … 1/32)."""

    TAKEN = (2, 3, 5, 7)

    def __init__(self, model):
        super().__init__()
        self.features = nn.Sequential(*list(model.features.children())[:8])

    def forward(self, x):
        out = [x]
        y = x
        for i, stage in enumerate(self.features):
            y = stage(y)
            if i == 0 or i in self.TAKEN:
                out.append(y)
        return out


# ---- smp's Unet (decoder channels 256, 128, 64, 32, 16; no center, no attention) and its heads.

def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DecoderBlock(nn.Module):
    def __init__(self, cin, skip, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode='nearest')
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class UnetDecoder(nn.Module):
    def __init__(self, encoder_channels, decoder_channels=(256, 128, 64, 32, 16)):
        super().__init__()
        encoder_channels = encoder_channels[1:][::-1]
        in_channels = [encoder_channels[0]] + list(decoder_channels[:-1])
        skip_channels = list(encoder_channels[1:]) + [0]
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o) for i, s, o in zip(in_channels, skip_channels, decoder_channels))

    def forward(self, *features):
        features = features[1:][::-1]
        x, skips = features[0], features[1:]
        for i, block in enumerate(self.blocks):
            x = block(x, skips[i] if i < len(skips) else None)
        return x


class Unet(nn.Module):
    def __init__(self, encoder, encoder_channels, classifier):
        super().__init__()
        self.encoder = encoder
        self.decoder = UnetDecoder(encoder_channels)
        self.segmentation_head = nn.Sequential(nn.Conv2d(16, 1, 3, padding=1))
        self.classification_head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                                                 nn.Linear(encoder_channels[-1], 1)) if classifier else None

    def forward(self, x):
        features = self.encoder(x)
        out = {'logits': self.segmentation_head(self.decoder(*features))}
        if self.classification_head is not None:
            out['cls_logit'] = self.classification_head(features[-1])
        return out


def build(case):
    tv = torchvision.models
    if case == 'deeplabv3_resnet50':
        model = tv.segmentation.deeplabv3_resnet50(weights=None, weights_backbone=None, num_classes=1, aux_loss=False)
        return model, lambda x: {'logits': model(x)['out']}
    if case == 'unet_efficientnet_b3':
        model = Unet(EfficientNetEncoder(tv.efficientnet_b3()), (3, 40, 32, 48, 136, 384), classifier=True)
    elif case == 'unet_efficientnet_b5':
        model = Unet(EfficientNetEncoder(tv.efficientnet_b5()), (3, 48, 40, 64, 176, 512), classifier=False)
    elif case == 'unet_se_resnext101':
        model = Unet(se_resnext101_32x4d_encoder(), (3, 64, 256, 512, 1024, 2048), classifier=True)
    else:
        raise SystemExit(f'unknown case {case}')
    return model, model


@torch.no_grad()
def randomise(model, generator):
    """He-normal convolutions and linears (fan-in), and every BatchNorm's affine and running statistics drawn away
    from their defaults, so a BN folded or read the wrong way shows; BN scales below 1 keep 100-odd layers bounded."""
    for module in model.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            fan_in = module.weight[0].numel()
            module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * math.sqrt(2 / fan_in))
            if module.bias is not None:
                module.bias.copy_(torch.rand(module.bias.shape, generator=generator) * 0.2 - 0.1)
        elif isinstance(module, nn.BatchNorm2d):
            n = module.num_features
            module.weight.copy_(torch.rand(n, generator=generator) * 0.5 + 0.5)
            module.bias.copy_(torch.rand(n, generator=generator) * 0.2 - 0.1)
            module.running_mean.copy_(torch.rand(n, generator=generator) * 0.2 - 0.1)
            module.running_var.copy_(torch.rand(n, generator=generator) + 0.5)
            module.num_batches_tracked.fill_(3)


def write(path, tensor):
    with open(path, 'wb') as f:
        f.write(tensor.detach().contiguous().to(torch.float32).numpy().astype('<f4').tobytes())


def main():
    out_dir, cases = sys.argv[1], sys.argv[2:]
    torch.set_num_threads(2)
    for index, case in enumerate(cases):
        generator = torch.Generator().manual_seed(2019 + index)
        model, forward = build(case)
        randomise(model, generator)
        model.eval()
        x = torch.rand((1, 3, SIZE, SIZE), generator=generator)
        with torch.no_grad():
            outputs = forward(x)
        torch.save(model.state_dict(), f'{out_dir}/{case}.pth')
        write(f'{out_dir}/{case}.input.bin', x)
        for name, value in outputs.items():
            write(f'{out_dir}/{case}.{name}.bin', value)
        manifest = {'input': list(x.shape), 'outputs': {name: list(v.shape) for name, v in outputs.items()}}
        with open(f'{out_dir}/{case}.json', 'w') as f:
            json.dump(manifest, f)


if __name__ == '__main__':
    main()
