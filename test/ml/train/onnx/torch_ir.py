"""PyTorch reference for the ONNX training engine: interprets Pleura's model IR (ml/models/ir.ts) with torch ops and
takes torch.optim steps on it, so a step can be compared with PyTorch's without a hand-written model class.

Usage: torch_ir.py REQUEST.json... (several runs in one process import torch once). A request names the graph
JSON (a GraphIR), two tensor bundles (weights by state_dict name; batches as image.<i> [N,C,H,W] and target.<i>
[N,1,H,W]), the settings and an output folder.
A bundle is <base>.json ({"tensors": [{"name", "shape", "offset"}]}, offsets in float32 elements) next to
<base>.bin (raw little-endian float32). The output folder receives the bundles weights (every parameter and
buffer after the steps), grads (first step, optional) and outputs (first step's model outputs, optional), and
result.json with each step's loss and pre-clipping gradient norm.
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPE = torch.float32


def read_bundle(base):
    with open(base + '.json') as f:
        index = json.load(f)['tensors']
    flat = np.fromfile(base + '.bin', dtype='<f4')
    tensors = {}
    for entry in index:
        count = math.prod(entry['shape'])
        data = flat[entry['offset']:entry['offset'] + count]
        tensors[entry['name']] = torch.from_numpy(data.copy()).reshape(entry['shape'])
    return tensors


def write_bundle(base, tensors):
    index, offset = [], 0
    with open(base + '.bin', 'wb') as f:
        for name, tensor in tensors.items():
            data = tensor.detach().contiguous().numpy().astype('<f4')
            f.write(data.tobytes())
            index.append({'name': name, 'shape': list(tensor.shape), 'offset': offset})
            offset += data.size
    with open(base + '.json', 'w') as f:
        json.dump({'tensors': index}, f)


def symmetric(pad, node):
    """IR pads are [top, left, bottom, right]; PyTorch layers only ever pad symmetrically."""
    top, left, bottom, right = pad
    if top != bottom or left != right:
        raise ValueError(f"{node['op']} → {node['output']}: asymmetric pads {pad} have no PyTorch layer")
    return (top, left)


class IrModel:
    """The graph's forward pass on named tensors: parameters are nn.Parameters, buffers plain tensors."""

    def __init__(self, graph, weights, trainable, frozen_bn):
        self.graph = graph
        specs = {spec['name']: spec for spec in graph['params']}
        for name in trainable:
            if specs.get(name, {}).get('role') != 'parameter':
                raise ValueError(f'trainable names {name}, which is not a parameter of the graph')
        bn_weights = {node['weight'] for node in graph['nodes'] if node['op'] == 'batchNorm'}
        for name in frozen_bn:
            if name not in bn_weights:
                raise ValueError(f'frozen BatchNorm {name} is not the weight of a batchNorm node')
        self.frozen_bn = set(frozen_bn)
        self.tensors = {}
        for spec in graph['params']:
            value = weights[spec['name']].to(DTYPE).reshape(spec['shape'])
            if spec['role'] == 'parameter':
                value = torch.nn.Parameter(value, requires_grad=spec['name'] in trainable)
            self.tensors[spec['name']] = value
        self.trainable = [(name, self.tensors[name]) for name in specs if name in trainable]

    def __call__(self, image):
        values = {self.graph['inputs'][0]['name']: image}
        for node in self.graph['nodes']:
            values[node['output']] = self.run(node, [values[name] for name in node['inputs']])
        return {output['name']: values[output['value']] for output in self.graph['outputs']}

    def run(self, node, inputs):
        x = inputs[0]
        t = self.tensors
        op = node['op']
        if op == 'conv2d':
            bias = t[node['bias']] if node['bias'] else None
            return F.conv2d(x, t[node['weight']], bias, tuple(node['stride']), symmetric(node['pad'], node),
                            tuple(node['dilation']), node['groups'])
        if op == 'batchNorm':
            training = node['weight'] not in self.frozen_bn
            return F.batch_norm(x, t[node['runningMean']], t[node['runningVar']], t[node['weight']], t[node['bias']],
                                training=training, momentum=node['momentum'], eps=node['eps'])
        if op == 'maxPool':
            return F.max_pool2d(x, tuple(node['kernel']), tuple(node['stride']), symmetric(node['pad'], node),
                                ceil_mode=node['ceilMode'])
        if op == 'upsample':
            if node['mode'] == 'nearest':
                return F.interpolate(x, scale_factor=node['scale'], mode='nearest')
            return F.interpolate(x, scale_factor=node['scale'], mode='bilinear', align_corners=False)
        if op == 'linear':
            return F.linear(x, t[node['weight']], t[node['bias']] if node['bias'] else None)
        if op == 'relu':
            return F.relu(x)
        if op == 'sigmoid':
            return torch.sigmoid(x)
        if op == 'silu':
            return F.silu(x)
        if op == 'add':
            return x + inputs[1]
        if op == 'mul':
            return x * inputs[1]
        if op == 'max':
            return torch.maximum(x, inputs[1])
        if op == 'concat':
            return torch.cat(inputs, 1)
        if op == 'globalAvgPool':
            return x.mean((2, 3), keepdim=True)
        # The max reductions CBAM is written with (nn.AdaptiveMaxPool2d(1) and torch.max(x, 1)): their gradient goes
        # to one index, the first maximum; amax would share it among ties.
        if op == 'globalMaxPool':
            return F.adaptive_max_pool2d(x, 1)
        if op == 'channelMean':
            return x.mean(1, keepdim=True)
        if op == 'channelMax':
            return torch.max(x, 1, keepdim=True)[0]
        if op == 'expandSpatial':
            return x.expand(-1, -1, inputs[1].shape[2], inputs[1].shape[3])
        if op == 'flatten':
            return torch.flatten(x, 1)
        raise ValueError(f'unknown IR op {op}')


# The losses of ml/train/losses/*.ts, term for term.

def bce(logits, target):
    return F.binary_cross_entropy_with_logits(logits, target)


def soft_dice(logits, target):
    p = torch.sigmoid(logits)
    return 1 - (2 * (p * target).sum() + 1e-6) / (p.sum() + target.sum() + 1e-6)


def focal(logits, target):
    p = torch.clamp(torch.sigmoid(logits), min=1e-8)
    not_p = torch.clamp(torch.sigmoid(-logits), min=1e-8)
    pt = target * p + (1 - target) * not_p
    return (-(1 - pt) ** 2 * torch.log(pt)).mean()


def lovasz_grad(gt_sorted):
    positives = gt_sorted.sum()
    intersection = positives - gt_sorted.cumsum(0)
    union = positives + (1 - gt_sorted).cumsum(0)
    jaccard = 1 - intersection / union
    return torch.cat([jaccard[:1], jaccard[1:] - jaccard[:-1]])


def lovasz_hinge(logits, target):
    """lovasz_hinge(per_image=True): the mean over images of each image's flat hinge."""
    per_image = []
    for image_logits, image_target in zip(logits, target):
        x, t = image_logits.reshape(-1), image_target.reshape(-1)
        errors = 1 - x * (2 * t - 1)
        errors_sorted, perm = torch.sort(errors, descending=True)
        per_image.append(torch.dot(F.relu(errors_sorted), lovasz_grad(t[perm])))
    return torch.stack(per_image).mean()


TERMS = {'bce': bce, 'dice': soft_dice, 'focal': focal}


def combo(weights):
    def loss(logits, target):
        total = torch.zeros((), dtype=DTYPE)
        for term in ('bce', 'dice', 'focal'):
            if weights[term] != 0:
                total = total + TERMS[term](logits, target) * weights[term]
        return torch.clamp(total, min=1e-5)
    return loss


def non_empty(target):
    return (target.amax((1, 2, 3)) > 0).to(DTYPE).reshape(-1, 1)


def fourth_place(outputs, target):
    logits = outputs['logits']
    segmentation = bce(logits, target) * 3 + soft_dice(logits, target)
    return bce(outputs['cls_logit'], non_empty(target)) * 0.1 + segmentation * 0.9


def fifth_place(outputs, target):
    logits = outputs['logits']
    return bce(logits, target) * 1024 + soft_dice(logits, target) + bce(outputs['cls_logit'], non_empty(target))


def loss_for(spec):
    on_logits = {'bce': bce, 'dice': soft_dice, 'focal': focal, 'lovasz': lovasz_hinge}
    kind = spec['kind']
    if kind in on_logits:
        return lambda outputs, target: on_logits[kind](outputs['logits'], target)
    if kind == 'combo':
        weighted = combo(spec)
        return lambda outputs, target: weighted(outputs['logits'], target)
    if kind == 'fourth-place':
        return fourth_place
    if kind == 'fifth-place':
        return fifth_place
    raise ValueError(f'unknown loss {kind}')


def optimizer_for(spec, params):
    if spec['kind'] == 'adam':
        return torch.optim.Adam(params, lr=spec['lr'], betas=tuple(spec['betas']), eps=spec['eps'],
                                weight_decay=spec['weightDecay'])
    if spec['kind'] == 'sgd':
        return torch.optim.SGD(params, lr=spec['lr'], momentum=spec['momentum'], dampening=spec['dampening'],
                               weight_decay=spec['weightDecay'], nesterov=spec['nesterov'])
    raise ValueError(f"unknown optimiser {spec['kind']}")


def grad_norm(params):
    """clip_grad_norm_'s total norm (the norm of the per-tensor norms), without clipping."""
    grads = [p.grad.detach() for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.norm(torch.stack([torch.norm(g, 2.0) for g in grads]), 2.0)


def json_number(value):
    """JSON has no NaN or infinities: those travel as strings the TypeScript side reads with Number()."""
    return value if math.isfinite(value) else str(value).replace('nan', 'NaN').replace('inf', 'Infinity')


def train(request):
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    with open(request['graph']) as f:
        graph = json.load(f)
    settings = request['settings']
    model = IrModel(graph, read_bundle(request['weights']), set(settings['trainable']), settings['frozenBatchNorm'])
    batches = read_bundle(request['batches'])
    batch_count = len(batches) // 2
    params = [p for _, p in model.trainable]
    optimizer = optimizer_for(settings['optimizer'], params)
    loss_fn = loss_for(settings['loss'])
    clip_norm = settings['clipNorm']
    losses, norms = [], []
    for step in range(settings['steps']):
        image, target = batches[f'image.{step % batch_count}'], batches[f'target.{step % batch_count}']
        optimizer.zero_grad(set_to_none=True)
        outputs = model(image)
        loss = loss_fn(outputs, target)
        loss.backward()
        if step == 0 and settings['returnGrads']:
            write_bundle(request['output'] + '/grads', {n: p.grad for n, p in model.trainable if p.grad is not None})
        if step == 0 and settings['returnOutputs']:
            write_bundle(request['output'] + '/outputs', outputs)
        if clip_norm is None:
            norm = grad_norm(params)
        else:
            norm = torch.nn.utils.clip_grad_norm_(params, clip_norm)
        optimizer.step()
        losses.append(json_number(loss.item()))
        norms.append(json_number(norm.item()))
    write_bundle(request['output'] + '/weights', model.tensors)
    with open(request['output'] + '/result.json', 'w') as f:
        json.dump({'losses': losses, 'gradNorms': norms}, f)


if __name__ == '__main__':
    for path in sys.argv[1:]:
        with open(path) as f:
            train(json.load(f))
