"""Merge a with-past and a no-past decoder graph into one model with an `If` on use_cache_branch.

Each branch keeps its nodes (value names prefixed so the two branches never collide) and reads
the outer graph's inputs by name. Initializers move to the outer graph, deduplicated by content,
so weights shared by the two branches are stored once.
"""
import hashlib

import onnx
import onnx.numpy_helper
from onnx import TensorProto, helper


def _content_key(init):
    data = onnx.numpy_helper.to_array(init)
    return (init.data_type, tuple(init.dims), hashlib.sha256(data.tobytes()).hexdigest())


def _prune(graph):
    """Drops nodes whose outputs nobody reads (the exporter leaves a few unused constants)."""
    while True:
        used = {i for n in graph.node for i in n.input} | {o.name for o in graph.output}
        dead = [n for n in graph.node if not any(o in used for o in n.output)]
        if not dead:
            return
        for n in dead:
            graph.node.remove(n)


def _constants_to_initializers(graph, min_elements=64):
    """Large Constant nodes (the causal mask) become initializers, so both branches share them."""
    for n in list(graph.node):
        if n.op_type == "Constant" and n.attribute[0].name == "value":
            t = n.attribute[0].t
            count = 1
            for d in t.dims:
                count *= d
            if count >= min_elements:
                init = onnx.TensorProto()
                init.CopyFrom(t)
                init.name = n.output[0]
                graph.initializer.append(init)
                graph.node.remove(n)


def _branch(graph, prefix, outer_inits, by_content, outer_names):
    """Turns `graph` into an If branch: returns a GraphProto with no inputs or initializers."""
    _prune(graph)
    _constants_to_initializers(graph)
    rename = {}
    for init in graph.initializer:  # shared storage, keyed by content
        key = _content_key(init)
        if not init.name.startswith(("onnx::", "/")):
            key += (init.name,)  # a named parameter keeps its name even if another equals it
        if key not in by_content:
            name = init.name if init.name not in outer_names else prefix + init.name
            new = onnx.TensorProto()
            new.CopyFrom(init)
            new.name = name
            outer_inits.append(new)
            by_content[key] = name
            outer_names.add(name)
        rename[init.name] = by_content[key]
    inputs = {i.name for i in graph.input}
    for node in graph.node:  # every computed value gets the branch prefix
        for o in node.output:
            if o:
                rename[o] = prefix + o
    nodes = []
    for node in graph.node:
        new = onnx.NodeProto()
        new.CopyFrom(node)
        new.name = prefix + (node.name or node.op_type)
        for k, i in enumerate(node.input):
            if i and i not in inputs:
                new.input[k] = rename.get(i, i)
        for k, o in enumerate(node.output):
            if o:
                new.output[k] = rename[o]
        nodes.append(new)
    outputs = []
    for o in graph.output:  # element type only: the two branches differ in sequence lengths
        outputs.append(helper.make_tensor_value_info(rename.get(o.name, o.name),
                                                     o.type.tensor_type.elem_type, None))
    return helper.make_graph(nodes, prefix.rstrip("_") + "_branch", [], outputs)


def merge_decoders(with_past_path, no_past_path, out_path):
    with_past = onnx.load(with_past_path)
    no_past = onnx.load(no_past_path)
    outer_inits, by_content = [], {}
    outer_names = {i.name for i in with_past.graph.input} | {"use_cache_branch"}
    then_g = _branch(with_past.graph, "with_past_", outer_inits, by_content, outer_names)
    else_g = _branch(no_past.graph, "no_past_", outer_inits, by_content, outer_names)
    use_cache = helper.make_tensor_value_info("use_cache_branch", TensorProto.BOOL, [1])
    inputs = list(with_past.graph.input) + [use_cache]
    outputs = list(with_past.graph.output)
    if_node = helper.make_node("If", ["use_cache_branch"], [o.name for o in outputs],
                               name="optional_past", then_branch=then_g, else_branch=else_g)
    graph = helper.make_graph([if_node], "decoder_merged", inputs, outputs, outer_inits)
    model = helper.make_model(graph, opset_imports=list(with_past.opset_import),
                              producer_name="attention-lens-training")
    model.ir_version = with_past.ir_version
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, out_path)
    return model
