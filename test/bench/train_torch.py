"""PyTorch CPU reference for test/bench/train.ts: images per second of one training step (forward, backward,
clip_grad_norm_, Adam with weight decay, BCE + soft Dice + focal) for the same AlbuNet (nf 32) and light U-Net as
ml/models, on random weights and images. Usage: train_torch.py albunet|unet-light SIZE BATCH STEPS; prints JSON."""
import json
import os
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F


def conv_bn_relu(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(conv_bn_relu(cin, cout, stride), nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
        self.down = None if stride == 1 and cin == cout else nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        return F.relu(self.body(x) + (x if self.down is None else self.down(x)))


def resnet_layer(cin, cout, blocks, stride):
    return nn.Sequential(BasicBlock(cin, cout, stride), *[BasicBlock(cout, cout, 1) for _ in range(blocks - 1)])


class ConvRelu(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(inplace=True))


class DecoderBlockV2(nn.Sequential):
    def __init__(self, cin, mid, cout):
        super().__init__(nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False), ConvRelu(cin, mid), ConvRelu(mid, cout))


class AlbuNet(nn.Module):
    """ternausnets AlbuNet (resnet34, is_deconv=False), as ml/models/decoders/albunet."""

    def __init__(self, nf=32):
        super().__init__()
        self.conv1 = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(2, 2))
        self.conv2 = resnet_layer(64, 64, 3, 1)
        self.conv3 = resnet_layer(64, 128, 4, 2)
        self.conv4 = resnet_layer(128, 256, 6, 2)
        self.conv5 = resnet_layer(256, 512, 3, 2)
        self.center = DecoderBlockV2(512, nf * 16, nf * 8)
        self.dec5 = DecoderBlockV2(512 + nf * 8, nf * 16, nf * 8)
        self.dec4 = DecoderBlockV2(256 + nf * 8, nf * 16, nf * 8)
        self.dec3 = DecoderBlockV2(128 + nf * 8, nf * 8, nf * 2)
        self.dec2 = DecoderBlockV2(64 + nf * 2, nf * 4, nf * 4)
        self.dec1 = DecoderBlockV2(nf * 4, nf * 4, nf)
        self.dec0 = ConvRelu(nf, nf)
        self.final = nn.Conv2d(nf, 1, 1)

    def forward(self, x):
        c1 = self.conv1(x)
        c2 = self.conv2(c1)
        c3 = self.conv3(c2)
        c4 = self.conv4(c3)
        c5 = self.conv5(c4)
        center = self.center(F.max_pool2d(c5, 2, 2))
        d5 = self.dec5(torch.cat([center, c5], 1))
        d4 = self.dec4(torch.cat([d5, c4], 1))
        d3 = self.dec3(torch.cat([d4, c3], 1))
        d2 = self.dec2(torch.cat([d3, c2], 1))
        return self.final(self.dec0(self.dec1(d2)))


class UnetLight(nn.Module):
    """ml/models/decoders/unet-light: plain encoder (16…256) and smp's U-Net decoder (128, 64, 32, 16, 16)."""

    def __init__(self, enc=(16, 32, 64, 128, 256), dec=(128, 64, 32, 16, 16)):
        super().__init__()
        self.encoder = nn.ModuleList()
        cin = 3
        for k, cout in enumerate(enc):
            self.encoder.append(nn.Sequential(conv_bn_relu(cin, cout, 2 if k == 0 else 1), conv_bn_relu(cout, cout)))
            cin = cout
        skips = list(reversed(enc[:-1])) + [0]
        self.decoder = nn.ModuleList()
        for skip, cout in zip(skips, dec):
            self.decoder.append(nn.Sequential(conv_bn_relu(cin + skip, cout), conv_bn_relu(cout, cout)))
            cin = cout
        self.head = nn.Conv2d(cin, 1, 3, padding=1)

    def forward(self, x):
        features = []
        for k, level in enumerate(self.encoder):
            x = level(x if k == 0 else F.max_pool2d(x, 2, 2))
            features.append(x)
        skips = list(reversed(features[:-1]))
        for i, block in enumerate(self.decoder):
            x = F.interpolate(x, scale_factor=2, mode='nearest')
            if i < len(skips):
                x = torch.cat([x, skips[i]], 1)
            x = block(x)
        return self.head(x)


def combo_loss(logits, target):
    """pixel-leaning combo: 2 BCE + 1 soft Dice + 2 focal (gamma 2)."""
    bce = F.binary_cross_entropy_with_logits(logits, target)
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)
    pt = torch.where(target > 0.5, p, 1 - p)
    focal = (-(1 - pt) ** 2 * torch.log(pt.clamp_min(1e-6))).mean()
    return 2 * bce + dice + 2 * focal


def main():
    arch, size, batch, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    # Debian's libgomp build starts with one thread; PyTorch's usual default is every core, the fair comparison.
    torch.set_num_threads(os.cpu_count() or 1)
    torch.manual_seed(0)
    model = AlbuNet(32) if arch == 'albunet' else UnetLight()
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, weight_decay=1e-4)
    image = torch.rand(batch, 3, size, size)
    target = (torch.rand(batch, 1, size, size) < 0.1).float()

    def step():
        optimizer.zero_grad()
        loss = combo_loss(model(image), target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    print(json.dumps({'imagesPerSecond': round(batch * steps / seconds, 3), 'secondsPerStep': round(seconds / steps, 3),
                      'threads': torch.get_num_threads(), 'torch': torch.__version__}))


if __name__ == '__main__':
    main()
