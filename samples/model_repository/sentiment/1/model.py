"""The text-classification sample's sentiment model on Triton's Python backend.

It computes exactly what the sample's embedded Java model (TextScorer) computes, from the same
lexicon.tsv next to config.pbtxt:

* lower-case the text and split it into tokens, runs of the letters a-z and apostrophes;
* add each polar token's polarity to the score s;
* an intensifier (BOOST) multiplies the polarity of the token right after it by 1.5;
* a negator (NEGATE) flips the sign of the next polar token if that comes within 3 tokens
  (intensifiers do not count);
* SCORES = softmax(-s, 0.5, s) for negative, neutral and positive.

Only numpy is needed, which the Python backend ships with.
"""

import os
import re

import numpy as np
import triton_python_backend_utils as pb_utils

TOKEN = re.compile(r"[a-z']+")
NEUTRAL_LOGIT = 0.5
NEGATION_REACH = 3
BOOST = 1.5
NEGATE = "NEGATE"
INTENSIFY = "BOOST"


def load_lexicon(path):
    """Reads lexicon.tsv into {token: polarity or NEGATE or BOOST}."""
    lexicon = {}
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            entry = line.strip()
            if not entry or entry.startswith("#"):
                continue
            fields = entry.split("\t")
            if len(fields) != 2:
                raise ValueError(f"lexicon line {number}: expected 'token<TAB>value': {line!r}")
            token, value = fields[0].strip(), fields[1].strip()
            lexicon[token] = value if value in (NEGATE, INTENSIFY) else float(value)
    return lexicon


def polarity(text, lexicon):
    """The polarity s of text: positive for good, negative for bad, 0 for none."""
    score = 0.0
    negation = 0
    boost = 1.0
    for token in TOKEN.findall(text.lower()):
        value = lexicon.get(token)
        if value == NEGATE:
            negation = NEGATION_REACH
            boost = 1.0
            continue
        if value == INTENSIFY:
            boost *= BOOST
            continue
        if value is not None:
            weighted = value * boost
            score += -weighted if negation > 0 else weighted
            negation = 0
        elif negation > 0:
            negation -= 1
        boost = 1.0
    return score


def scores(text, lexicon):
    """The probabilities of negative, neutral and positive, as float32."""
    s = polarity(text, lexicon)
    logits = np.array([-s, NEUTRAL_LOGIT, s], dtype=np.float64)
    exp = np.exp(logits - logits.max())
    return (exp / exp.sum()).astype(np.float32)


class TritonPythonModel:
    def initialize(self, args):
        # args["model_repository"] is this model's directory, the one holding config.pbtxt.
        self.lexicon = load_lexicon(os.path.join(args["model_repository"], "lexicon.tsv"))

    def execute(self, requests):
        responses = []
        for request in requests:
            # [batch, 1] numpy array of bytes objects
            texts = pb_utils.get_input_tensor_by_name(request, "TEXT").as_numpy().reshape(-1)
            out = np.stack(
                [
                    scores(
                        t.decode("utf-8", errors="replace") if isinstance(t, bytes) else str(t),
                        self.lexicon,
                    )
                    for t in texts
                ]
            )
            responses.append(
                pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("SCORES", out)])
            )
        return responses
