import os
import tempfile
import unittest

import onnx
import torch

from training.export import NoPast, WithPast, export_branch, io_names
from training.gpt import GPT, GPTConfig
from training.merge import merge_decoders
from training.reference import PREFIX


class MergedExportTest(unittest.TestCase):
    def test_one_if_node_with_weights_stored_once(self):
        torch.manual_seed(0)
        cfg = GPTConfig(vocab_size=50, n_positions=16, n_layer=2, n_head=2, n_embd=8)
        model = GPT(cfg).eval()
        past_names, present_names = io_names(cfg.n_layer)
        ids = torch.tensor([[1, 2, 3]])
        past = tuple(torch.zeros(1, 2, 2, 4) for _ in range(2 * cfg.n_layer))
        with tempfile.TemporaryDirectory() as tmp, torch.no_grad():
            a, b, out = (os.path.join(tmp, n) for n in ("a.onnx", "b.onnx", "m.onnx"))
            export_branch(WithPast(model), (ids, torch.ones(1, 5, dtype=torch.long)) + past,
                          ["input_ids", "attention_mask"] + past_names,
                          ["logits"] + present_names, a)
            export_branch(NoPast(model), (ids, torch.ones(1, 3, dtype=torch.long)),
                          ["input_ids", "attention_mask"], ["logits"] + present_names, b)
            merge_decoders(a, b, out)
            m = onnx.load(out)
        g = m.graph
        self.assertEqual([n.op_type for n in g.node], ["If"])
        self.assertEqual([i.name for i in g.input],
                         ["input_ids", "attention_mask"] + past_names + ["use_cache_branch"])
        self.assertEqual([o.name for o in g.output], ["logits"] + present_names)
        names = [i.name for i in g.initializer]
        self.assertEqual(len(names), len(set(names)))
        for p in model.state_dict():  # every parameter once, under its own name
            self.assertEqual(names.count(PREFIX + p), 1, p)
        stored = sum(onnx.numpy_helper.to_array(i).size for i in g.initializer
                     if i.data_type == onnx.TensorProto.FLOAT)
        self.assertEqual(stored, sum(p.numel() for p in model.parameters()))
        for branch in g.node[0].attribute:
            self.assertEqual(len(branch.g.initializer), 0)
            softmax = [n for n in branch.g.node if n.op_type == "Softmax"]
            self.assertEqual(len(softmax), cfg.n_layer)
            for n in softmax:
                self.assertEqual(n.attribute[0].i, -1)


if __name__ == "__main__":
    unittest.main()
