# The PyTorch side of test/ml/io/torch-python.test.ts.
#   save PATH: torch.save a state_dict mixing the cases the reader must handle (the test's `mixed` fixture, with a
#              module-style _metadata and a DataParallel prefix) and print it as JSON.
#   load PATH: torch.load(weights_only=True) a file Pleura's fixture writer made and print it as JSON.
# And of test/ml/io/export-torch-python.test.ts:
#   save-module GRAPH.json PATH SEED: build the nn.Module a Pleura graph IR describes (module_of), fill it with
#              seeded values (NaN, -0, a subnormal and float32's largest among them; every num_batches_tracked 7) and
#              torch.save its state_dict, shared modules and all.
#   digest GRAPH.json FILE [GRAPH.json FILE …]: load each .pth (torch.load, weights_only=True) or .safetensors and
#              print, per key, dtype, shape, the sha256 of its bytes (NaN-proof) and a storage group (keys that share
#              memory share it), the int64 values, and whether load_state_dict(strict=True) into module_of(GRAPH)
#              takes the file. (Pairs, so one run — one torch import — digests every file a test wrote.)
import collections, hashlib, json, struct, sys
import torch

def mixed():
    sd = collections.OrderedDict()
    w = (torch.arange(24, dtype=torch.float32) / 8 - 1).reshape(2, 3, 2, 2)
    base = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    sd['module.conv.weight'] = w
    sd['module.conv.bias'] = torch.tensor([0.5, -1.5])
    sd['module.alias.weight'] = w.detach()
    sd['module.lin.weight'] = base.t()
    sd['module.row'] = base[1]
    sd['module.half'] = torch.tensor([1, -2, 0.5, 65504], dtype=torch.float16)
    sd['module.bf'] = torch.tensor([1.5, -2], dtype=torch.bfloat16)
    sd['module.dbl'] = torch.tensor([0.25], dtype=torch.float64)
    sd['module.bn.num_batches_tracked'] = torch.tensor(7)
    sd._metadata = collections.OrderedDict([('', {'version': 1})])
    return sd

def as_json(sd):
    return {k: {'shape': list(v.shape), 'stride': list(v.stride()), 'dtype': str(v.dtype).replace('torch.', ''),
                'values': (v.float() if v.is_floating_point() else v).flatten().tolist()} for k, v in sd.items()}

def module_of(graph):
    """The module PyTorch would hold for the graph: a Conv2d, BatchNorm2d or Linear at each node's state_dict path,
    the same module object again at every alias path (as AlbuNet shares its encoder), any other tensor (a classifier
    no node reads) as a bare parameter or buffer."""
    root = torch.nn.Module()

    def module_at(path):
        """The module at a dotted path, with empty containers made on the way."""
        module = root
        for part in filter(None, path.split('.')):
            if part not in module._modules:
                module.add_module(part, torch.nn.Module())
            module = module._modules[part]
        return module

    def place(path, module):
        parent, _, last = path.rpartition('.')
        holder = module_at(parent)
        if last not in holder._modules:
            holder.add_module(last, module)

    modules = {}
    for node in graph['nodes']:
        op = node['op']
        if op not in ('conv2d', 'batchNorm', 'linear'):
            continue
        path = node['weight'][:-len('.weight')]
        if op == 'conv2d':
            module = torch.nn.Conv2d(node['inChannels'], node['outChannels'], tuple(node['kernel']),
                                     groups=node['groups'], bias=node['bias'] is not None)
        elif op == 'batchNorm':
            module = torch.nn.BatchNorm2d(node['channels'], eps=node['eps'], momentum=node['momentum'])
        else:
            module = torch.nn.Linear(node['inFeatures'], node['outFeatures'], bias=node['bias'] is not None)
        place(path, module)
        modules[path] = module
    owned = set(root.state_dict().keys())
    for spec in graph['params']:
        if spec['name'] in owned:
            continue
        parent, _, last = spec['name'].rpartition('.')
        holder = module_at(parent)
        empty = torch.empty(spec['shape'])
        if spec['role'] == 'parameter':
            holder.register_parameter(last, torch.nn.Parameter(empty))
        else:
            holder.register_buffer(last, empty)
    for alias, canonical in graph['aliases'].items():
        alias_path, canonical_path = alias.rpartition('.')[0], canonical.rpartition('.')[0]
        if canonical_path in modules:
            place(alias_path, modules[canonical_path])
    return root


def save_module(graph_file, path, seed):
    with open(graph_file) as f:
        module = module_of(json.load(f))
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if name.endswith('num_batches_tracked'):
                tensor.fill_(7)
            elif name.endswith('running_var'):
                tensor.copy_(torch.rand(tensor.shape, generator=generator) + 0.5)
            else:
                tensor.copy_(torch.randn(tensor.shape, generator=generator))
        first = next(module.parameters()).view(-1)
        first[:4] = torch.tensor([float('nan'), -0.0, 1e-40, 3.4028234663852886e38])
    torch.save(module.state_dict(), path)


def read_safetensors(path):
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop('__metadata__', None)
    dtypes = {'F32': torch.float32, 'I64': torch.int64}
    spans = sorted(tuple(entry['data_offsets']) for entry in header.values())
    # what the reference reader checks: the tensors tile the byte buffer, in order, with no gap or overlap
    tiled = all(a[1] == b[0] for a, b in zip(spans, spans[1:])) and spans[0][0] == 0 and spans[-1][1] == len(data) - 8 - length
    sd = collections.OrderedDict()
    for name, entry in header.items():
        begin, end = entry['data_offsets']
        raw = bytearray(data[8 + length + begin:8 + length + end])
        sd[name] = torch.frombuffer(raw, dtype=dtypes[entry['dtype']]).reshape(entry['shape'])
    return sd, {'metadata': metadata, 'headerLength': length, 'tiled': tiled}


def digest(pairs):
    files = []
    for graph_file, path in pairs:
        with open(graph_file) as f:
            graph = json.load(f)
        extra = {}
        if path.endswith('.safetensors'):
            sd, extra = read_safetensors(path)
        else:
            sd = torch.load(path, weights_only=True)
        groups = {}
        tensors = {}
        for name, t in sd.items():
            group = groups.setdefault(t.storage().data_ptr(), len(groups))
            tensors[name] = {'dtype': str(t.dtype).replace('torch.', ''), 'shape': list(t.shape),
                             'sha256': hashlib.sha256(t.contiguous().numpy().tobytes()).hexdigest(), 'storage': group}
            if not t.is_floating_point():
                tensors[name]['values'] = t.flatten().tolist()
        try:
            module_of(graph).load_state_dict(sd, strict=True)
            strict = 'ok'
        except RuntimeError as error:
            strict = str(error)
        files.append({'keys': list(sd.keys()), 'tensors': tensors, 'strict': strict, **extra})
    return {'torch': torch.__version__, 'files': files}


mode = sys.argv[1]
if mode == 'save':
    sd = mixed()
    torch.save({'epoch': 2, 'state_dict': sd}, sys.argv[2])
    print(json.dumps({'torch': torch.__version__, 'tensors': as_json(sd)}))
elif mode == 'load':
    sd = torch.load(sys.argv[2], weights_only=True)
    print(json.dumps({'torch': torch.__version__, 'tensors': as_json(sd)}))
elif mode == 'save-module':
    save_module(sys.argv[2], sys.argv[3], int(sys.argv[4]))
elif mode == 'digest':
    print(json.dumps(digest(zip(sys.argv[2::2], sys.argv[3::2]))))
else:
    sys.exit(f'unknown mode {mode}')
