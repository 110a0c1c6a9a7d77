# The PyTorch side of test/ml/io/torch-python.test.ts.
#   save PATH: torch.save a state_dict mixing the cases the reader must handle (the test's `mixed` fixture, with a
#              module-style _metadata and a DataParallel prefix) and print it as JSON.
#   load PATH: torch.load(weights_only=True) a file Pleura's fixture writer made and print it as JSON.
import collections, json, sys
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

mode, path = sys.argv[1], sys.argv[2]
if mode == 'save':
    sd = mixed()
    torch.save({'epoch': 2, 'state_dict': sd}, path)
else:
    sd = torch.load(path, weights_only=True)
print(json.dumps({'torch': torch.__version__, 'tensors': as_json(sd)}))
