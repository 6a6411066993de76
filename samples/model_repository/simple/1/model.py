"""Triton's quick-start model "simple" on the Python backend: OUTPUT0 = INPUT0 + INPUT1 and
OUTPUT1 = INPUT0 - INPUT1, INT32 [batch, 16]."""

import numpy as np
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            a = pb_utils.get_input_tensor_by_name(request, "INPUT0").as_numpy()
            b = pb_utils.get_input_tensor_by_name(request, "INPUT1").as_numpy()
            # int32 arithmetic wraps around, as the original model's does.
            responses.append(
                pb_utils.InferenceResponse(
                    output_tensors=[
                        pb_utils.Tensor("OUTPUT0", np.add(a, b, dtype=np.int32)),
                        pb_utils.Tensor("OUTPUT1", np.subtract(a, b, dtype=np.int32)),
                    ]
                )
            )
        return responses
