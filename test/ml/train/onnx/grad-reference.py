"""PyTorch reference for the ONNX backward pass: runs torch_ir.py's interpreter of the model IR in training mode,
in the requested precision, takes the gradients of L = sum over outputs of sum(out * R) for given R, and reports
how far given gradients are from them: ||a - b|| / ||b|| per parameter.

Usage: grad-reference.py REQUEST.json, with REQUEST = {"graph": path of the GraphIR JSON, "inputs": bundle base
(param:<name> for every parameter and buffer, image, seed:<output> flat, grad:<name> the gradients to check),
"dtype": "float64" or "float32", "trainable": [...], "frozenBatchNorm": [...], "output": path of the JSON result}.
The result maps each parameter that either side differentiated to its error (null where one side has none).
Bundles are torch_ir.py's.
"""
import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # no __pycache__ next to the tests
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_ir  # noqa: E402


def reference_grads(graph, inputs, request, dtype):
    torch_ir.DTYPE = dtype
    # IrModel keeps float32 tensors as they are and updates buffers in place: give each run its own copies.
    weights = {name[len('param:'):]: t.clone() for name, t in inputs.items() if name.startswith('param:')}
    model = torch_ir.IrModel(graph, weights, set(request['trainable']), request['frozenBatchNorm'])
    outputs = model(inputs['image'].to(dtype))
    loss = sum((out * inputs['seed:' + name].to(dtype).reshape(out.shape)).sum() for name, out in outputs.items())
    loss.backward()
    return {name: p.grad.to(torch.float64).reshape(-1) for name, p in model.trainable if p.grad is not None}


def relative_error(actual, expected):
    """||a - b|| / ||b||; where PyTorch's gradient is exactly 0 (a ReLU dead for every input upstream) ||a||,
    which JSON can carry where 0/0 would be NaN."""
    difference = (actual - expected).norm()
    norm = expected.norm()
    return (difference / norm if norm > 0 else difference).item()


def main(path):
    with open(path) as f:
        request = json.load(f)
    with open(request['graph']) as f:
        graph = json.load(f)
    torch.set_num_threads(2)
    inputs = torch_ir.read_bundle(request['inputs'])
    checked = {name[len('grad:'):]: t.to(torch.float64).reshape(-1) for name, t in inputs.items() if name.startswith('grad:')}
    reference = reference_grads(graph, inputs, request, getattr(torch, request['dtype']))
    result = {}
    for name in sorted(set(checked) | set(reference)):
        both = name in checked and name in reference
        result[name] = relative_error(checked[name], reference[name]) if both else None
    with open(request['output'], 'w') as f:
        json.dump(result, f)


if __name__ == '__main__':
    main(sys.argv[1])
