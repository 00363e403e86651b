"""Writes a randomly initialised torchvision ResNet and what it computes, for cnn4j's TorchvisionResNetTest.

usage: torchvision_resnet.py MODEL OUT_DIR SEED N H W

OUT_DIR/weights.safetensors  the model's state_dict (F32, and num_batches_tracked as I64), as
                             safetensors.torch.save_file writes it, batch-norm statistics and affine parameters
                             drawn at random so that they matter
OUT_DIR/io.safetensors       input [N, 3, H, W]; eval_logits (model.eval()); train_logits (model.train(), batch
                             statistics) and the running statistics of bn1 after that one training-mode forward
The safetensors layout is written here by hand (8-byte little-endian header length, JSON header, raw data), so no
package beyond torch and torchvision is needed.
"""
import json
import struct
import sys

import torch
import torchvision


def save(path, tensors, metadata):
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
        data = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    name, out, seed, n, h, w = sys.argv[1], sys.argv[2], int(sys.argv[3]), *map(int, sys.argv[4:7])
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    model = getattr(torchvision.models, name)(num_classes=1000)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    save(f"{out}/weights.safetensors", dict(model.state_dict()), {"format": "pt"})
    x = torch.rand(n, 3, h, w) * 2 - 1
    with torch.no_grad():
        model.eval()
        eval_logits = model(x)
        model.train()
        train_logits = model(x)
    save(f"{out}/io.safetensors", {
        "input": x,
        "eval_logits": eval_logits,
        "train_logits": train_logits,
        "bn1.running_mean": model.bn1.running_mean,
        "bn1.running_var": model.bn1.running_var,
    }, {"torch": torch.__version__, "torchvision": torchvision.__version__, "model": name})


if __name__ == "__main__":
    main()
