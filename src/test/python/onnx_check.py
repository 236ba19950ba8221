"""
onnx.checker.check_model(..., full_check=True) (python3-onnx) on each file given: the
specification's own judgement of clconv's exports, shape inference included.

  python3 onnx_check.py FILE...
"""
import sys

import onnx

for f in sys.argv[1:]:
    model = onnx.load(f)
    onnx.checker.check_model(model, full_check=True)
    print("ok", f, "opset", model.opset_import[0].version, "nodes", len(model.graph.node))
